"""Notes on disk: scanning a folder, reading files safely, parsing Markdown into sections.

Knows nothing of embeddings, storage or answers.
"""

from pathlib import Path

BUNDLED_NOTES = Path(__file__).parent / "notes"
