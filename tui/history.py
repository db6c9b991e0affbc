"""Questions asked in earlier sessions, one JSON object per line in `paths.history_file()`."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

MAX_ENTRIES = 500


class QuestionHistory:
    """An append-only list of questions with Up/Down navigation state kept by the input."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[str] = self._load()

    def _load(self) -> list[str]:
        out: list[str] = []
        with contextlib.suppress(OSError):
            for raw in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    q = json.loads(raw).get("q")
                except (ValueError, AttributeError):
                    continue
                if isinstance(q, str) and q.strip():
                    out.append(q)
        return out[-MAX_ENTRIES:]

    def add(self, question: str) -> None:
        question = question.strip()
        if not question:
            return
        if self.entries and self.entries[-1] == question:
            return
        self.entries.append(question)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"q": question, "t": round(time.time())}) + "\n")
            if len(self.entries) > MAX_ENTRIES * 2:
                self._rewrite()
        except OSError:
            pass  # history is a convenience; never fail a question over it

    def _rewrite(self) -> None:
        self.entries = self.entries[-MAX_ENTRIES:]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps({"q": q}) + "\n" for q in self.entries), encoding="utf-8")
        tmp.replace(self.path)

    def clear(self) -> None:
        self.entries = []
        with contextlib.suppress(OSError):
            self.path.unlink()
