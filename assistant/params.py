"""click parameter types shared by `assistant` and `assistant eval` (click only: cheap)."""

from __future__ import annotations

from typing import Any

import click


class GivenPath(click.Path):
    """A path option that refuses an empty value: `--notes ""` would otherwise mean the current
    folder (from ~, the whole home folder indexed) and `--index ""` a lock file in it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("empty path", param, ctx)
        return super().convert(value, param, ctx)


class Glob(click.ParamType):
    """A `--path` glob; an empty one is refused (it matches no note, so nothing is found)."""

    name = "glob"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("empty glob", param, ctx)
        return value
