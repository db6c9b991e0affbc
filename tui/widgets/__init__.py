"""Widgets of the chat: they show things and post messages; the chat screen acts on them."""
