"""How often an answer quotes something that says nothing by itself, on real documentation.

AWS-style docs are full of sections such as "## Manage auto scaling / Manage auto scaling
using one of the following methods: / ------", whose content sits in subsections ("[ App
Runner console ]", "[ App Runner API or AWS CLI ]"). Retrieval ranks them high (a matching
heading, little else). `ask` hands such a lead-in's place to its subsections. Their "Topics"
lists of links name every subject of a guide, so a link line can out-score the paragraph that
answers; `ask` never takes a line that only links elsewhere as evidence. This script measures
answers with all steps, without the lead-in step and without the link rule, in one run over
the same index:

  - answers citing at least one lead-in section (a heading with nothing under it, or one line
    ending in ":" or a bold label), and lead-in citations overall;
  - citations whose quote is only links, or ends on a list of links; quotes that start
    inside a code block; quotes of
    table rows without the table's header row;
  - words quoted per answer (median), a rough measure of what the user is shown;
  - quotes that stop where the reader needs the rest: on a line ending in ":", on a bold
    label ("**To view your scheduled tasks**") or inside a code block.

    python bench/bench_answers.py                    # the AWS container docs (index cached)
    python bench/bench_answers.py --limit 60         # the first 60 files only
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log

# Written before the lead-in step existed, as a reader of the App Runner and ECS guides would ask.
EXTRA_QUESTIONS = [
    "How do I connect App Runner to a VPC?",
    "How does App Runner auto scaling work?",
    "Can I use a custom domain?",
    "How do I pause and resume a service?",
    "How do I delete an App Runner service?",
    "How do I deploy from ECR?",
    "How do I set environment variables?",
    "What health check options are there?",
    "How do I view logs?",
    "How do I manage connections to GitHub?",
    "How do I use secrets?",
    "How do I rotate the service's TLS certificate?",
    "how to enable observability tracing",
    "How do I tag a service?",
    "What IAM roles does App Runner need?",
    "How do I configure outgoing traffic?",
    "What runtimes does the Python platform support?",
    "How do I make a service private?",
    "What is a WAF web ACL for App Runner?",
    "How are deployments triggered automatically?",
]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    p.add_argument("--limit", type=int, default=None, help="only the first N files")
    return p.parse_args()


def run(engine, questions: list[str]) -> dict[str, float]:
    from assistant.stages.select import leads_in
    from corpus.lines import LineRoles
    from corpus.markdown import introduces, only_links
    from corpus.read import read_note, split_lines

    answered = with_lead_in = lead_in_citations = citations = cut_short = links = in_code = 0
    headless = link_tail = 0
    words: list[int] = []
    for q in questions:
        a = engine.ask(q)
        if a.abstained:
            continue
        answered += 1
        chunks = [engine.store().chunks_for_path(c.path) for c in a.citations]
        stubs = 0
        for c, in_file in zip(a.citations, chunks, strict=True):
            cited = next((x for x in in_file if x.start_line <= c.start_line <= x.end_line), None)
            stubs += bool(cited and leads_in(cited))
        citations += len(a.citations)
        for c in a.citations:
            last = [line for line in c.quote.split("\n") if line.strip()][-1]
            roles = LineRoles.of(split_lines(read_note(engine.abs_path(c.path)).text))
            in_code += roles.open_after(c.start_line - 2)  # a block open above its first line
            cut_short += introduces(last) or roles.open_after(c.end_line - 1)
            said = [x for x in c.quote.split("\n") if x.strip()]
            links += all(map(only_links, said))
            link_tail += only_links(said[-1]) and not all(map(only_links, said))
            headless += roles.table_header(c.start_line - 1) is not None  # a body row first
        lead_in_citations += stubs
        with_lead_in += bool(stubs)
        words.append(sum(len(c.quote.split()) for c in a.citations))
    return {
        "answered": answered,
        "answers citing a lead-in": with_lead_in,
        "lead-in citations": lead_in_citations,
        "citations": citations,
        "citations quoting only links": links,
        "quotes ending on a list of links": link_tail,
        "median words quoted": statistics.median(words) if words else 0.0,
        "quotes ending on a lead-in (':', a bold label) or inside a code block": cut_short,
        "quotes starting inside a code block": in_code,
        "quotes of table rows without their header": headless,
    }


def main() -> int:
    args = parse_args()
    from assistant.engine import Engine
    from assistant.settings import load_settings

    out = common.OUT / ("answers" + (f"-limit{args.limit}" if args.limit else ""))
    notes = out / "notes"
    if not notes.exists():
        common.copy_corpus(args.corpus, notes, args.limit)
    engine = Engine(load_settings(notes=notes, index=out / "index"))
    log("building or refreshing the index (cached under bench/out/) ...")
    engine.ensure_ready(progress=common.progress_logger())
    questions = list(dict.fromkeys([*common.FALLBACK_QUESTIONS, *EXTRA_QUESTIONS]))
    after = run(engine, questions)
    from assistant.options import AnswerOptions

    settings = engine.settings
    engine.close()
    # The same questions with one step switched off, through options (never by patching).
    without: dict[str, dict] = {}
    for name, opts in (
        ("lead-in", AnswerOptions(lead_in_sections=False)),
        ("links", AnswerOptions(links=False)),
    ):
        other = Engine(settings, options=opts)
        without[name] = run(other, questions)
        other.close()
    no_lead_in, no_link_rule = without["lead-in"], without["links"]

    rep = Report(f"What answers quote ({len(questions)} questions)")
    for key in after:
        rep.add(
            f"{key}: all steps / no lead-in step / no link rule",
            f"{after[key]} / {no_lead_in[key]} / {no_link_rule[key]}",
        )
    share_b = no_lead_in["answers citing a lead-in"] / max(1, no_lead_in["answered"])
    share_a = after["answers citing a lead-in"] / max(1, after["answered"])
    rep.add("share of answers citing a lead-in, without the step", share_b, "{:.2f}")
    rep.add("share of answers citing a lead-in, with it", share_a, "{:.2f}")
    rep.print()
    rep.save("bench_answers" + (f"-limit{args.limit}" if args.limit else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
