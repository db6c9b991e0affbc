"""Screens: the chat, and modal screens for a cited section, help and index info."""
