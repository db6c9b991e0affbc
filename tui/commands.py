"""Command palette entries (Ctrl+P) for the chat."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = [
    ("Re-index notes", "Update the index: re-embed only the notes that changed", "reindex"),
    ("New conversation", "Forget the conversation and start again", "new_conversation"),
    (
        "Explain the last answer",
        "Why it quoted what it did: candidates, ranks, the deciding rule, the quote rules",
        "explain",
    ),
    ("Toggle sources panel", "Show or hide the list of citations", "toggle_sources"),
    ("Show index info", "Where the index lives, what it holds, when it was updated", "index_info"),
    ("Clear question history", "Forget the questions recalled with Up/Down", "clear_history"),
]


class NotesCommands(Provider):
    """The chat's own commands; they run the chat screen's actions."""

    def _run(self, action: str) -> None:
        chat = self.app.chat_screen  # type: ignore[attr-defined]
        getattr(chat, f"action_{action}")()

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )
