"""Shared fixtures: every test gets its own user data dir; notes folders are temp copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from corpus import BUNDLED_NOTES

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SEED = BUNDLED_NOTES / "aws-containers.md"


@pytest.fixture(autouse=True)
def assistant_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point `assistant.paths.user_dir()` (indexes, history, config) at a fresh temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    for var in (
        "ASSISTANT_NOTES",
        "ASSISTANT_INDEX",
        "ASSISTANT_MODEL",
        "ASSISTANT_CONFIG",
        "ASSISTANT_WATCH",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    """A notes folder holding a copy of the bundled notes."""
    d = tmp_path / "notes"
    d.mkdir()
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled model, loaded once per session (integration tests only)."""
    from index.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
