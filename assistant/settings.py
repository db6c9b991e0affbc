"""Settings: flags > ASSISTANT_* environment variables > TOML config file > defaults.

Built on demand (never at import time) by `load_settings`, and frozen once built.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from assistant import paths
from assistant.errors import ConfigFileError, EngineError, UsageError, os_reason
from index.modes import Mode

ENV_PREFIX = "ASSISTANT_"


class Settings(BaseModel):
    """Everything a user can configure. Each field is also `ASSISTANT_<NAME>` and a config key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    notes: Path | None = Field(
        default=None, description="Notes folder (or one file). Default: the bundled AWS notes."
    )
    index: Path | None = Field(
        default=None,
        description="Index folder. Default: a folder per notes folder in the user data dir.",
    )
    model: Path | None = Field(
        default=None,
        description="Local sentence-transformers model folder. Default: bundled all-MiniLM-L6-v2.",
    )
    k: int = Field(default=3, ge=1, le=50, description="Most sections quoted in an answer.")
    mode: Mode = Field(default="hybrid", description="Retriever: hybrid, bm25 or dense.")
    max_question_chars: int = Field(
        default=2000, ge=10, description="Longer questions are truncated, with a warning."
    )
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto", description="Indexing precision: auto uses bfloat16 where the CPU has it."
    )
    line_vectors: Literal["mixed", "own", "pooled"] = Field(
        default="mixed",
        description="How the index makes its single-line vectors: mixed (the default) embeds "
        "each line shorter than 240 characters on its own and takes longer ones from the "
        "section's pass through the model; own embeds every line on its own (what the answer "
        "rules were calibrated on); pooled takes every line from the section's pass, about "
        "half the work of a first index (README, 'Faster first index').",
    )
    watch: bool = Field(
        default=True,
        description="The chat and `assistant mcp` follow the notes: a saved change is indexed "
        "in the background. Off (ASSISTANT_WATCH=0, --no-watch for the chat) for folders on "
        "slow network file systems.",
    )

    _warnings: tuple[str, ...] = PrivateAttr(default=())

    @property
    def warnings(self) -> tuple[str, ...]:
        """What was wrong but not fatal when these settings were loaded (a config key that is
        no setting), each as printed after `assistant: warning: `. Kept here for surfaces
        where standard error is not seen (the chat's full-screen window hides it)."""
        return self._warnings

    @field_validator("k", "max_question_chars", mode="before")
    @classmethod
    def _not_a_bool(cls, v: Any) -> Any:
        return not_a_bool(v)

    @field_validator("notes", "index", "model", mode="before")
    @classmethod
    def _expand(cls, v: Any) -> Any:
        """An empty path (`notes = ""` in the config file) is refused, as `--notes ""` is:
        taken as unset, it quietly answered from the bundled notes. An empty variable never
        reaches here: it counts as unset (`load_settings`)."""
        if isinstance(v, str) and v.strip() == "":
            raise PydanticCustomError("empty", "an empty path names no folder (leave it out)")
        return Path(v).expanduser() if isinstance(v, str | Path) else v

    @field_validator("index")
    @classmethod
    def _index_not_a_file(cls, v: Path | None) -> Path | None:
        """An index setting that names a file is the user's mistake, said as `--index` says it
        (exit 2), not as an unusable index folder when the index is first opened (exit 3)."""
        if v is not None and v.exists() and not v.is_dir():
            raise PydanticCustomError(
                "path_type", "{path} is a file, not a folder", {"path": str(v)}
            )
        return v


def not_a_bool(value: Any) -> Any:
    """A number that is given as a bool is refused: pydantic reads true as 1, so `k = true` in
    the config file (or an MCP call's `"k": true`) was k = 1. Numbers and their text
    (`ASSISTANT_K=5`) pass."""
    if isinstance(value, bool):
        word = "true" if value else "false"  # as TOML and JSON spell it
        raise PydanticCustomError("int_type", f"Input should be a valid integer, not {word}")
    return value


_WARNED: dict[str, None] = {}
"""Warnings already given by this process, in order: each is said once, however often
settings load."""


def _warn(message: str) -> None:
    if message not in _WARNED:
        _WARNED[message] = None
        print(f"assistant: warning: {message}", file=sys.stderr)


def warnings_given() -> list[str]:
    """Every warning this process has printed while loading settings, oldest first."""
    return list(_WARNED)


def config_file_values() -> tuple[dict[str, Any], Path, list[str]]:
    """The config file's settings (none when there is no file), its path, and its warnings.
    A file that ASSISTANT_CONFIG names must exist (a typo would otherwise pass unseen; the
    default file need not); a key that is no setting is warned about (a typo, or a
    `[section]`)."""
    path = paths.config_file()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError as e:
        if os.environ.get("ASSISTANT_CONFIG"):
            raise ConfigFileError(
                f"cannot read config file {path} (from ASSISTANT_CONFIG): no such file"
            ) from e
        return {}, path, []
    except UnicodeDecodeError as e:  # tomllib decodes the whole file before parsing it
        raise ConfigFileError(f"cannot read config file {path}: not UTF-8 text") from e
    except IsADirectoryError as e:
        raise ConfigFileError(f"cannot read config file {path}: it is a folder") from e
    except OSError as e:  # "[Errno 13] Permission denied: '<the path again>'": the reason only
        raise ConfigFileError(f"cannot read config file {path}: {os_reason(e)}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigFileError(f"cannot read config file {path}: {e}") from e
    warnings = [
        f"{path}: unknown setting {key!r}"
        for key in sorted(data.keys() - Settings.model_fields.keys())
    ]
    for w in warnings:
        _warn(w)
    return {k: v for k, v in data.items() if k in Settings.model_fields}, path, warnings


def load_settings(**flags: Any) -> Settings:
    """Flags (None means "not given") over ASSISTANT_* variables over the config file over
    defaults. Plain pydantic rather than pydantic-settings: this runs on every cold `ask`,
    where pydantic-settings' import alone cost 60 ms. A bad value is a UsageError naming
    where it came from (the variable or the file)."""
    values, path, warnings = config_file_values()
    source = dict.fromkeys(values, str(path))
    env = {k.upper(): v for k, v in os.environ.items()}
    for name in Settings.model_fields:
        # An empty variable counts as unset (README, Configuration): `ASSISTANT_NOTES=` keeps
        # the config file's notes instead of silently switching to the bundled ones.
        if v := env.get(var := ENV_PREFIX + name.upper()):
            values[name], source[name] = v, var
    given = {k: v for k, v in flags.items() if v is not None}
    values.update(given)
    try:
        settings = Settings(**values)
    except ValidationError as e:
        err = e.errors()[0]
        loc = err.get("loc") or ("setting",)
        name = ".".join(str(p) for p in loc)
        where = f" (from {source[loc[0]]})" if loc[0] in source and loc[0] not in given else ""
        raise UsageError(f"invalid setting {name}{where}: {err.get('msg')}") from e
    settings._warnings = tuple(warnings)
    return settings


def check_model_folder(settings: Settings) -> None:
    """Refuse a `model` setting that names no folder (EngineError, exit 3), in one place for
    every surface: `index` said so when the model failed to load, but `ask` and `search` read
    the folder first to name the model and died in a traceback, and the chat and `mcp` started
    and failed on every question. A stat, no model library: cheap before the chat's window."""
    model = settings.model
    if model is None or model.is_dir():
        return
    reason = "not a folder" if model.exists() else "no such folder"
    raise EngineError(f"cannot load model {model}: {reason}")
