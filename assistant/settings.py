"""Settings: flags > ASSISTANT_* environment variables > TOML config file > defaults.

Built on demand (never at import time) by `load_settings`, and frozen once built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant import paths

Mode = Literal["hybrid", "bm25", "dense"]


class Settings(BaseSettings):
    """Everything a user can configure. Each field is also `ASSISTANT_<NAME>` and a config key."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", frozen=True, extra="ignore")

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

    @field_validator("notes", "index", "model", mode="before")
    @classmethod
    def _expand(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip() == "":
            return None
        return Path(v).expanduser() if isinstance(v, str | Path) else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=paths.config_file()),
        )


def load_settings(**flags: Any) -> Settings:
    """Settings with command-line flags on top; flags left as None do not override."""
    return Settings(**{k: v for k, v in flags.items() if v is not None})
