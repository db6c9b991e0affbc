"""The scrolling conversation: example questions, questions, answers and notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.render import Part, answer_parts, cites_any, clean, recheck_citation

if TYPE_CHECKING:
    from collections.abc import Collection

    from assistant.models import Answer


class ExampleQuestions(OptionList):
    """Questions built from the notes' headings; Enter or click asks one."""

    class Picked(Message):
        def __init__(self, question: str) -> None:
            super().__init__()
            self.question = question

    def __init__(self, questions: list[str], **kwargs) -> None:
        super().__init__(
            *[Option(Text(clean(q)), id=f"ex-{i}") for i, q in enumerate(questions)], **kwargs
        )
        self.questions = questions

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Picked(self.questions[event.option_index]))


class QuestionBubble(Static):
    """The user's question as asked."""

    def __init__(self, question: str, **kwargs) -> None:
        t = Text()
        t.append("You  ", style="bold")
        t.append(clean(question))
        super().__init__(t, **kwargs)
        self.question = question


class AnswerView(Vertical):
    """One answer: the query actually searched (if rewritten), its parts (`answer_parts`: the
    outcome, each quote exactly as its note's lines, its citation), notices."""

    def __init__(self, answer: Answer, notices: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.answer = answer
        """As shown: its citations at the lines their quotes are at now, marked changed
        (`changed_since_indexed`) once their note no longer holds them (`recheck`)."""
        self.given = answer
        """As the engine gave it."""
        self.parts: list[Part] = answer_parts(answer)
        self.notices = answer.notices if notices is None else notices
        if answer.abstained or not answer.citations:
            self.add_class("-abstained")

    def compose(self) -> ComposeResult:
        a = self.answer
        if a.searched_query != a.question:
            t = Text()
            t.append("searched for: ", style="dim")
            t.append(clean(a.searched_query), style="italic")
            yield Static(t, classes="searched")
        for part in self.parts:
            yield Static(part.text, classes=part.kind)
        for n in self.notices:
            yield Static(Text("note: " + clean(n), style="yellow"), classes="notice")

    @property
    def labels(self) -> list[str]:
        """The citation labels under the quotes, as shown."""
        return [p.text.plain for p in self.parts if p.kind == "label"]

    def recheck(self, paths: Collection[str] | None = None) -> bool:
        """Re-read the notes its citations quote (only those under `paths`, if given), so the
        labels under the answer say what the sources panel says: a citation follows its quote
        to the lines it is at now, and reads "changed since indexed" (or "deleted") once its
        note no longer holds it. True if a label changed."""
        pairs = list(zip(self.given.citations, self.answer.citations, strict=True))
        if not any(cites_any(given, paths) or cites_any(now, paths) for given, now in pairs):
            return False
        shown = []
        for given, now in pairs:
            if cites_any(given, paths) or cites_any(now, paths):
                now = recheck_citation(given, now, paths)[0]  # says changed_since_indexed
            shown.append(now)
        self.answer = self.answer.model_copy(update={"citations": shown})
        parts = answer_parts(self.answer)  # says "deleted" by whether the note exists now
        if [p.text.plain for p in parts] == [p.text.plain for p in self.parts]:
            return False
        self.parts = parts
        if not self.is_mounted:  # not composed yet: it will show the parts as they are now
            return False
        self.refresh(recompose=True)
        return True


class Conversation(VerticalScroll):
    """Holds the chat; the screen adds and clears entries."""

    can_focus = False
    at_latest = True
    """The view shows the latest question or what follows it (`watch_scroll_y`)."""

    def show_placeholder(self, message: str) -> None:
        self.remove_children(".placeholder")
        self.mount(Static(Text(message, style="dim"), classes="placeholder"))

    def show_examples(self, questions: list[str]) -> None:
        self.remove_children(".placeholder, .examples, ExampleQuestions")
        if not questions:
            self.show_placeholder("Ask a question about your notes.")
            return
        box = Vertical(classes="examples")
        self.mount(box)
        box.mount(Static(Text("Try asking  (↓ or Tab to choose, Enter to ask):", style="dim")))
        box.mount(ExampleQuestions(questions, id="examples"))

    def hide_examples(self) -> None:
        self.remove_children(".placeholder, .examples")

    @property
    def is_empty(self) -> bool:
        return not self.query(QuestionBubble)

    def add_question(self, question: str) -> QuestionBubble:
        self.hide_examples()
        bubble = QuestionBubble(question, classes="question")
        self.mount(bubble)
        self.scroll_end(animate=False)
        return bubble

    def add_answer(self, answer: Answer, notices: list[str] | None = None) -> AnswerView:
        view = AnswerView(answer, notices, classes="answer")
        self.mount(view)
        bubbles = self.query(QuestionBubble)
        if bubbles:
            # Show the answer from its start (its question on top), not from its end.
            self.call_after_refresh(self.scroll_to_widget, bubbles.last(), animate=False, top=True)
        return view

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        bubbles = self.query(QuestionBubble)
        self.at_latest = bool(bubbles) and (
            bubbles.last().virtual_region.y < new_value + self.size.height
        )

    def on_resize(self, event: events.Resize) -> None:
        """Keep the latest exchange in view when the window is resized: the text reflows, and
        the same scroll offset showed the first answer instead. Only while the view showed
        the latest question or what follows it (`at_latest`, as last scrolled); a
        conversation scrolled back to an earlier answer stays where it is."""
        bubbles = self.query(QuestionBubble)
        if bubbles and self.at_latest:
            self.call_after_refresh(self.scroll_to_widget, bubbles.last(), animate=False, top=True)

    def add_note(self, message: str, kind: str = "info") -> None:
        self.mount(Static(Text(clean(message)), classes=f"note -{kind}"))
        self.scroll_end(animate=False)

    def clear(self) -> None:
        self.remove_children()
