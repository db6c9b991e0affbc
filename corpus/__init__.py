"""Notes on disk: scanning a folder, reading files safely, parsing Markdown into sections.

Knows nothing of embeddings, storage or answers.
"""

from pathlib import Path

BUNDLED_NOTES = Path(__file__).parent / "notes"

HEADING_SEP = " › "
"""Joins a heading path for display and citations: "Intro › Load balancer integration"."""
