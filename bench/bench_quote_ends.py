"""How many quotes end mid-sentence, with the sentence rule at a quote's end
(`AnswerOptions.sentence_start`) on and off: a quote whose last line is prose that ends no
sentence while the next line of the file goes on with the same paragraph.

    ASSISTANT_PRECISION=fp32 python bench/bench_quote_ends.py [--folders ...]

Asks every gold and calibration question of each folder through `Engine.ask` (the indexes
`bench_realnotes.py` builds: run it first) and reads each quote's last line and the file's
next. The count is a reader's check, not a parser's: a list item, a table row, a block quote
or code on either line is never counted, so some counted ends are lines of documentation
whose sentence a list continues.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_realnotes

from assistant.engine import Engine
from assistant.eval import gold
from assistant.options import AnswerOptions
from assistant.settings import load_settings
from assistant.stages.shape import ends_sentence
from corpus.lines import LineRoles

_NOT_PROSE = ("|", "-", "*", "+", "#", ">", "```", "~~~")


def ends_mid_sentence(lines: list[str], end: int) -> bool:
    """The quote ending at 1-based line `end` stops inside a sentence its paragraph goes on
    with on the next line."""
    roles = LineRoles.of(lines)
    last, after = end - 1, end
    if after >= len(lines) or roles.in_code(last) or roles.in_code(after):
        return False
    a, b = lines[last].strip(), lines[after].strip()
    return (
        bool(a and b)
        and not ends_sentence(a)
        and not a.startswith(_NOT_PROSE)
        and not b.startswith(_NOT_PROSE)
        and not b[:2].rstrip(".").isdigit()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folders", nargs="*", default=list(bench_realnotes.FOLDERS))
    args = ap.parse_args()
    for name in args.folders:
        notes, gold_file, calibration = bench_realnotes.FOLDERS[name]
        index = bench_realnotes.built_index(name)
        questions = [*gold.load_questions(gold_file), *gold.load_questions(calibration)]
        figures = []
        for label, on in (("on", True), ("off", False)):
            eng = Engine(
                load_settings(notes=notes, index=index), options=AnswerOptions(sentence_start=on)
            )
            quotes = cut = 0
            for q in questions:
                for c in eng.ask(q.question).citations:
                    lines = Path(c.absolute_path).read_text(encoding="utf-8").split("\n")
                    quotes += 1
                    cut += ends_mid_sentence(lines, c.end_line)
            eng.close()
            figures.append(f"sentence rule {label}: {cut} of {quotes} quotes end mid-sentence")
        print(f"{name}: " + "; ".join(figures), flush=True)


if __name__ == "__main__":
    main()
