"""The derived index: embeddings, the SQLite + FAISS store, incremental sync and retrieval.

Knows nothing of how answers are worded or of the TUI.
"""
