"""notes-assistant: answer questions about Markdown notes by quoting them, fully offline."""

__version__ = "0.1.0"
