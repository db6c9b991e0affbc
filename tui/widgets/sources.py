"""The sources panel: the current answer's citations and a preview of the highlighted one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from assistant.output import HEADING_SEP
from tui.render import (
    citation_label,
    cites_any,
    clean,
    join_heading,
    note_gone,
    recheck_citation,
    section_text,
)

if TYPE_CHECKING:
    from assistant.models import Citation


class CitationList(OptionList):
    """One option per citation. Enter/click selects; `e` asks to open it in the editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e", "edit", "Open in editor", show=False, tooltip="Open this citation in your editor"
        ),
    ]

    class EditRequested(Message):
        def __init__(self, citation: Citation) -> None:
            super().__init__()
            self.citation = citation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.citations: list[Citation] = []
        """As shown: each at the lines its quote is at now (`moved_from`)."""
        self.answered: list[Citation] = []
        """As the answer gave them."""
        self.changed: set[int] = set()
        """The numbers of the citations whose file no longer holds their quote."""
        self.gone: set[int] = set()
        """Of those, the ones whose file no longer exists."""

    def set_citations(self, citations: Sequence[Citation]) -> None:
        self.answered = list(citations)
        self.citations = list(citations)
        self.changed = {c.n for c in self.citations if c.changed_since_indexed}
        self.gone = {c.n for c in self.citations if c.n in self.changed and note_gone(c)}
        self.clear_options()
        for c in self.citations:
            self.add_option(Option(self._label(c), id=f"cite-{c.n}"))
        if self.citations:
            self.highlighted = 0
        if self.changed - self.gone:  # moved before the answer was shown
            self.recheck()

    @property
    def moved(self) -> set[int]:
        """The numbers of the citations shown at other lines than the answer gave."""
        return {c.n for c in self.citations if self.moved_from(c) is not None}

    def moved_from(self, c: Citation) -> Citation | None:
        """`c` as the answer gave it, if its quote is now at other lines (lines added or
        removed above it): shown, previewed and opened where it is now."""
        answered = next((a for a in self.answered if a.n == c.n), None)
        if answered is None or (answered.path, answered.start_line) == (c.path, c.start_line):
            return None
        return answered

    def _label(self, c: Citation) -> Text:
        label = Text(citation_label(c), overflow="fold")
        if c.n in self.gone:
            label.append("  (deleted)", style="yellow")
        elif c.n in self.changed:
            label.append("  (changed)", style="yellow")
        elif self.moved_from(c) is not None:
            label.append("  (moved)", style="yellow")
        return label

    def recheck(self, paths: Collection[str] | None = None) -> bool:
        """Re-read the cited notes (only those under `paths`, if given): a citation whose quote
        the file holds at other lines now follows it there; one whose file no longer holds its
        quote is marked changed (or deleted). True if any cited note was re-read."""
        touched = False
        for i, c in enumerate(self.answered):
            if not (cites_any(c, paths) or cites_any(self.citations[i], paths)):
                continue
            touched = True
            now, changed, gone = recheck_citation(c, self.citations[i], paths)
            before = (c.n in self.changed, c.n in self.gone, self.citations[i])
            if (changed, gone, now) != before:
                self.changed = self.changed | {c.n} if changed else self.changed - {c.n}
                self.gone = self.gone | {c.n} if gone else self.gone - {c.n}
                self.citations[i] = now
                self.replace_option_prompt_at_index(i, self._label(now))
        return touched

    @property
    def current(self) -> Citation | None:
        if self.highlighted is None or not self.citations:
            return None
        return self.citations[self.highlighted]

    def action_edit(self) -> None:
        if self.current is not None:
            self.post_message(self.EditRequested(self.current))


class SectionView(VerticalScroll):
    """A note section with line numbers and the quoted lines highlighted.

    Focusable only while it shows a section: Tab must not land on an empty box, where the
    keys typed next would be lost.
    """

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(id="section-title")
        yield Static(id="section-body")

    def show_section(
        self,
        citation: Citation,
        section: tuple[int, int, list[str], list[str]] | None,
        moved_from: Citation | None = None,
    ) -> None:
        """`moved_from`: the citation as answered, when its quote is now at other lines."""
        title = Text(no_wrap=False, overflow="fold")
        title.append(f"[{citation.n}] ", style="bold")
        title.append(clean(citation.path), style="bold")
        if section is not None and section[2]:
            title.append(HEADING_SEP + clean(join_heading(section[2])))
        changed = citation.changed_since_indexed
        if section is not None:
            start, end, _, lines = section
            s, e = min(start, citation.start_line), max(end, citation.end_line)
            current = "\n".join(lines[citation.start_line - 1 : citation.end_line])
            if citation.end_line > len(lines) or current != citation.quote:
                changed = True  # re-checked against the file as it is now
            body = section_text(lines, s, e, citation.start_line, citation.end_line)
        elif note_gone(citation):
            changed = False  # said as deleted instead
            title.append(
                "\n⚠ deleted since indexed: the note is no longer in the folder",
                style="bold yellow",
            )
            body = Text("This note no longer exists (deleted or moved).", style="yellow")
        else:
            changed = True
            body = Text("This note can no longer be read.", style="yellow")
        if changed:
            title.append(
                "\n⚠ changed since indexed: the file now differs from the quote",
                style="bold yellow",
            )
        elif moved_from is not None:
            where = "" if moved_from.path == citation.path else f"{clean(citation.path)}:"
            was = "lines " if not where else f"{clean(moved_from.path)}:"
            title.append(
                f"\nmoved: the quote of {was}{moved_from.start_line}-{moved_from.end_line} "
                f"is now at {where}{citation.start_line}-{citation.end_line}",
                style="yellow",
            )
        self.query_one("#section-title", Static).update(title)
        self.query_one("#section-body", Static).update(body)
        self.can_focus = True
        self.scroll_home(animate=False)
        highlight_row = max(citation.start_line - (section[0] if section else 1) - 2, 0)
        self.call_after_refresh(self.scroll_to, y=highlight_row, animate=False)

    def clear_section(self, message: str = "") -> None:
        self.can_focus = False
        if self.has_focus:
            self.screen.focus_next()
        self.query_one("#section-title", Static).update("")
        self.query_one("#section-body", Static).update(Text(message, style="dim"))


class SourcesPanel(Vertical):
    """Title, citation list and (at wide sizes) a preview. Posts `Selected` and `Highlighted`."""

    class Selected(Message):
        def __init__(self, citation: Citation) -> None:
            super().__init__()
            self.citation = citation

    class Highlighted(Message):
        def __init__(self, citation: Citation) -> None:
            super().__init__()
            self.citation = citation

    def compose(self) -> ComposeResult:
        yield Static(Text("Sources", style="bold"), id="sources-title")
        yield CitationList(id="citations")
        yield SectionView(id="preview")

    def on_mount(self) -> None:
        self.show_citations([])

    @property
    def citation_list(self) -> CitationList:
        return self.query_one(CitationList)

    def show_citations(self, citations: Sequence[Citation], empty_message: str = "") -> None:
        self.citation_list.set_citations(citations)
        self.citation_list.display = bool(citations)
        title = Text("Sources", style="bold")
        if citations:
            title.append(f"  {len(citations)} · Enter: show · e: editor", style="dim")
        else:
            title.append("  " + (empty_message or "none yet"), style="dim")
        self.query_one("#sources-title", Static).update(title)
        preview = self.query_one(SectionView)
        if not citations:
            preview.clear_section()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        c = self.citation_list.current
        if c is not None:
            self.post_message(self.Highlighted(c))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        c = self.citation_list.current
        if c is not None:
            self.post_message(self.Selected(c))

    def recheck(self, paths: Collection[str] | None = None) -> bool:
        """After notes were saved: mark the citations whose file no longer holds their quote."""
        return self.citation_list.recheck(paths)

    def preview(self, citation: Citation, section) -> None:
        moved_from = self.citation_list.moved_from(citation)
        self.query_one(SectionView).show_section(citation, section, moved_from)
