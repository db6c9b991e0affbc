"""Example questions for an empty chat, made from the notes' own headings.

Headings that name a subject (not "Intro" or "Next steps") over sections that say something
(not a list of links: "Tell me about Hands-on lab." was the bundled notes' first
example, and its section of lab links answers nothing), spread over the notes and their files
rather than the first few headings of the first file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from corpus.markdown import holds_link


def from_headings(headings: Iterable[tuple[str, Sequence[str], str]], n: int = 4) -> list[str]:
    """`n` questions from (path, heading path, section text) triples, one heading per file
    where there are at least `n` files, else spread over all of them."""
    by_file: dict[str, list[str]] = {}
    seen: set[str] = set()
    for path, hp, text in headings:
        leaf = subject(hp[-1]) if hp else ""
        if leaf.lower() in seen or not names_a_subject(leaf) or only_pointers(text):
            continue
        seen.add(leaf.lower())
        by_file.setdefault(path, []).append(leaf)
    files = list(by_file.values())
    if len(files) >= n:  # one heading from each of n files spread over the folder
        chosen = [files[i * len(files) // n][0] for i in range(n)]
    else:  # few files: headings spread over all of them
        leaves = [leaf for file in files for leaf in file]
        chosen = [leaves[i * len(leaves) // n] for i in range(min(n, len(leaves)))]
    return [f"Tell me about {leaf}." for leaf in chosen]


_EMOJI = re.compile(r"[\u2600-\u27bf\u2b50\u2b55\U0001f000-\U0001faff\ufe0f\u200d]+")
_NOTES_SUFFIX = re.compile(r"\s+[-–—:|]\s*(notes?|summary|overview)$", re.IGNORECASE)


def subject(heading: str) -> str:
    """What a heading names, to ask about: without emoji ("Pancakes 🥞") or a trailing
    "— notes" ("Designing Data-Intensive Applications — notes")."""
    plain = " ".join(_EMOJI.sub(" ", heading.strip(" #")).split())
    return _NOTES_SUFFIX.sub("", plain).strip()


GENERIC_HEADINGS = frozenset(
    """intro introduction overview summary contents toc notes todo links references resources
    appendix index readme changelog misc miscellaneous other others general background
    conclusion example examples usage details description demo faq tips""".split()
) | {"table of contents", "see also", "next steps", "related topics", "document history"}


def names_a_subject(heading: str) -> bool:
    """A heading worth asking about: not generic ("Intro", "See also"), not a tab label ("[
    Console ]"), not too long to read as a question."""
    plain = heading.strip().lower()
    return (
        bool(re.search(r"[^\W\d_]", plain))
        and not plain.startswith("[")
        and len(plain) <= 60
        and plain.rstrip(":") not in GENERIC_HEADINGS
    )


def only_pointers(text: str) -> bool:
    """A section whose every line under its heading holds a link: a list of pointers."""
    body = [line for line in text.split("\n")[1:] if line.strip()]
    return bool(body) and all(map(holds_link, body))
