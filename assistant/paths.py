"""The one place that decides where things live on disk.

Everything the assistant writes (indexes, the exported query model, question history) goes under
`user_dir()`, which `ASSISTANT_HOME` overrides; tests point it at a temp dir.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

APP_NAME = "notes-assistant"


def user_dir() -> Path:
    """Per-user data directory (created on demand by callers that write)."""
    env = os.environ.get("ASSISTANT_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The TOML config file: `ASSISTANT_CONFIG`, else `config.toml` in the user config dir."""
    env = os.environ.get("ASSISTANT_CONFIG")
    if env:
        return Path(env).expanduser()
    if os.environ.get("ASSISTANT_HOME"):
        return user_dir() / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def indexes_root() -> Path:
    return user_dir() / "indexes"


def default_index_dir(notes_root: Path) -> Path:
    """Index folder for a notes folder: readable name plus a hash of its absolute path."""
    resolved = Path(notes_root).expanduser().resolve()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", resolved.name).strip("-") or "notes"
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return indexes_root() / f"{slug[:40]}-{digest}"


def models_dir() -> Path:
    """Exported query-time models (ONNX), keyed by the model's hash."""
    return user_dir() / "models"


def history_file() -> Path:
    """Question history shared by TUI sessions."""
    return user_dir() / "history.jsonl"
