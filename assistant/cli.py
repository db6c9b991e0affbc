"""The `assistant` command line: a thin layer over `assistant.engine`.

Exit codes: 0 answered / success; 1 not in the notes (abstained, or no search results);
2 usage error; 3 index or model error; 70 internal error (a bug); 130 interrupted (Ctrl+C).
Heavy modules (torch, sentence-transformers, textual) are imported inside commands, never at
module import.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from assistant import __version__
from assistant.errors import (
    EXIT_ABSTAINED,
    EXIT_BUG,
    EXIT_INDEX,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)
from assistant.params import GivenPath, Glob
from index.modes import MODES as MODE_NAMES

MODES = click.Choice(list(MODE_NAMES))


_FAST_EXIT = False
"""Set by `main` (the console script); tests driving `cli` in-process keep a normal exit."""


def _finish(code: int) -> None:
    """End a one-shot command whose output is written. From the console script this skips the
    interpreter's teardown (unloading onnxruntime, FAISS, numpy: ~0.1 s of a cold `ask`); there
    is nothing left to save, as questions only read the index."""
    if _FAST_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _fail(message: str, code: int) -> None:
    click.echo(f"assistant: error: {message}", err=True)
    sys.exit(code)


class OneLineErrors(click.Group):
    """click's group, whose usage errors are one line on stderr as every other error is
    (README, "Exit codes"), not click's three (Usage:, Try, Error:)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as e:
            where = f" (see {e.ctx.command_path} --help)" if e.ctx is not None else ""
            _fail(e.format_message().rstrip(".") + where, EXIT_USAGE)
        except click.ClickException as e:
            _fail(e.format_message(), e.exit_code)
        except click.Abort as e:
            if isinstance(e.__cause__, KeyboardInterrupt):  # Ctrl+C outside a command's own
                click.echo("assistant: interrupted", err=True)
                _finish(EXIT_INTERRUPTED)
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except Exception as e:  # a bug: its traceback to report, and a code of its own
            import traceback

            traceback.print_exc()
            _fail(f"internal error ({type(e).__name__}: {e}); please report it", EXIT_BUG)
        # Commands return None; an int is the code of click's own exit (--help, --version).
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the engine's errors into one-line messages and documented exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            from assistant.errors import user_error

            known = user_error(e)  # imported only on error: keeps the TUI's start light
            if known is None:
                raise
            _fail(*known)
        except KeyboardInterrupt:
            click.echo("assistant: interrupted", err=True)  # one line, as errors are
            # Without the interpreter's teardown: onnxruntime's threads, stopped mid-batch,
            # could abort it ("terminate called without an active exception", exit 134).
            # What a build committed is on disk; the rest is rolled back when next opened.
            _finish(EXIT_INTERRUPTED)

    return wrapper


def common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--notes and --index, accepted by every command (and by plain `assistant`)."""
    fn = click.option(
        "--index",
        "index_dir",
        # Readable or not is found as it is used, an unusable index folder's exit 3.
        type=GivenPath(path_type=Path, file_okay=False, readable=False),
        default=None,
        help="Index folder (default: one per notes folder in the user data dir). "
        "Env: ASSISTANT_INDEX.",
    )(fn)
    fn = click.option(
        "--notes",
        type=GivenPath(path_type=Path),
        default=None,
        help="Notes folder or file (default: the bundled AWS container notes). "
        "Env: ASSISTANT_NOTES.",
    )(fn)
    return fn


def query_options(json_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--mode, --path and --json, shared by `ask` and `search`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option("--json", "as_json", is_flag=True, help=json_help)(fn)
        fn = click.option(
            "--path",
            "paths",
            multiple=True,
            type=Glob(),
            metavar="GLOB",
            help="Only search notes whose relative path matches GLOB (repeatable).",
        )(fn)
        return click.option("--mode", type=MODES, default=None, help="Retriever (default hybrid).")(
            fn
        )

    return decorate


EngineFactory = Callable[[Any], Any]
"""Settings -> Engine. The seam through which tests run the real CLI with a fake embedder:
`main(engine_factory=...)`, or `CliRunner().invoke(cli, args, obj={"engine_factory": ...})`."""
_ENGINE_FACTORY: EngineFactory | None = None


def engine_factory() -> EngineFactory | None:
    """The factory given to this invocation (click's `obj`), or to `main`; None: the real one."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    if isinstance(obj, dict) and obj.get("engine_factory") is not None:
        return obj["engine_factory"]
    return _ENGINE_FACTORY


def make_engine(
    notes: Path | None,
    index_dir: Path | None,
    factory: EngineFactory | None = None,
    **flags: Any,
):
    from assistant.settings import load_settings

    return engine_for(load_settings(notes=notes, index=index_dir, **flags), factory)


def engine_for(settings: Any, factory: EngineFactory | None = None):
    """The engine over loaded settings: the given factory's, this invocation's, or the real one."""
    factory = factory or engine_factory()
    if factory is not None:
        return factory(settings)
    from assistant.engine import Engine

    return Engine(settings)


def read_question(words: tuple[str, ...]) -> str:
    """The question words, or standard input for a lone `-`. `- more words` is refused: it
    was asked as the literal question "- more words" instead of reading standard input."""
    if words[:1] == ("-",):
        if len(words) > 1:
            from assistant.errors import UsageError

            raise UsageError("'-' reads the question from standard input: give it alone")
        return sys.stdin.read()
    return " ".join(words)


def warn_unmatched(engine: Any, paths: tuple[str, ...]) -> None:
    """Say which --path matches no note: else "Not in your notes." blames the notes."""
    from assistant.output import safe

    for n in engine.path_notices(paths, "--path"):
        click.echo(f"assistant: warning: {safe(n)}", err=True)


def ensure_ready(engine: Any, quiet: bool = False) -> None:
    """Refresh a stale index before answering, saying what changed; and name any note that
    could not be read (permission denied, an I/O error): an answer saying the notes lack
    something is only as good as the notes it could read. A note this refresh newly left out
    (a binary file named .md, a link out of the folder) is named once, as `assistant index`
    names it; one left out by design before is for `assistant index` to list."""
    from assistant.output import NewSkips, ProgressLine, format_report, skipped_note

    recorded = engine.skipped_notes()
    before = NewSkips(recorded)
    bar = ProgressLine()
    report = engine.ensure_ready(progress=bar)
    bar.clear()
    if quiet:
        return
    if report is not None and (report.changed or report.chunks_embedded):
        click.echo(format_report(report), err=True)
    from index.lifecycle import unreadable

    new = {(s.path, s.reason) for s in before(report)} if report is not None else set()
    # A fresh index was not refreshed: the notes it recorded as unreadable, and the folders its
    # check could not enter, are said all the same.
    said = report.skipped if report is not None else [*recorded, *engine.unread_now]
    for s in {(s.path, s.reason): s for s in said}.values():
        if (s.path, s.reason) in new or unreadable(s.reason):
            click.echo(f"assistant: warning: {skipped_note(s)}", err=True)


@click.group(
    cls=OneLineErrors,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@common_options
@click.option(
    "--no-watch",
    is_flag=True,
    help="The chat only: do not follow the notes while open (index them on each question "
    "instead), for folders on slow network file systems. Env: ASSISTANT_WATCH=0.",
)
@click.version_option(__version__, "--version", "-V", prog_name="assistant")
@click.pass_context
@handle_errors
def cli(ctx: click.Context, notes: Path | None, index_dir: Path | None, no_watch: bool) -> None:
    """Answer questions about your Markdown notes by quoting them, with citations.

    Run with no command to open the chat in the terminal. Everything runs locally:
    no network, no API key.

    \b
    Exit codes: 0 answered (partly covered too), 1 not in your notes, 2 usage error, 3 index
    or model error, 70 internal error (a bug), 130 interrupted (Ctrl+C).
    """
    if ctx.invoked_subcommand is not None:
        if no_watch:
            from assistant.errors import UsageError

            raise UsageError("--no-watch is an option of the chat (plain `assistant`) only")
        # `assistant --notes DIR ask ...`: the command's own --notes / --index win, then these.
        given = {k: v for k, v in (("notes", notes), ("index_dir", index_dir)) if v is not None}
        if given:
            ctx.default_map = {name: dict(given) for name in cli.commands}
        return
    try:
        from tui.app import run_app
    except ImportError:
        click.echo(ctx.get_help())
        return
    # The window comes first: the engine is made in the app's first worker. What can be checked
    # without it is checked here, before the screen switches, as one line on stderr: a wrong
    # --notes path, then the settings (`ASSISTANT_K=0`) and the model folder they name. The app
    # reports any other bad setting (a notes path that is no folder or file).
    if notes is not None and not notes.expanduser().exists():
        _fail(f"notes folder {notes} does not exist", EXIT_USAGE)
    from assistant.settings import check_model_folder, load_settings

    watch = False if no_watch else None  # None: the setting (ASSISTANT_WATCH, config, on)
    settings = load_settings(notes=notes, index=index_dir, watch=watch)
    check_model_folder(settings)
    factory = engine_factory()  # resolved here: the app makes the engine on another thread
    sys.exit(run_app(lambda: engine_for(settings, factory)))


@cli.command()
@click.argument("question", nargs=-1, required=True)
@common_options
@click.option(
    "-k", "k", type=click.IntRange(1, 50), default=None, help="Most sections to quote (default 3)."
)
@query_options("Print the Answer as JSON.")
@click.option(
    "--explain",
    is_flag=True,
    help="Also show why: each candidate section's BM25 and dense ranks, fused score and best "
    "line score, the rule that decided, the rules behind each quote's span, and the options "
    "in force (with --json: the Answer's `explain` field).",
)
@handle_errors
def ask(
    question: tuple[str, ...],
    notes: Path | None,
    index_dir: Path | None,
    k: int | None,
    mode: str | None,
    paths: tuple[str, ...],
    as_json: bool,
    explain: bool,
) -> None:
    """Answer QUESTION from the notes (use - to read it from standard input).

    Exits 1 when the notes do not cover the question.
    """
    from assistant.stages.query import searchable

    text = read_question(question)
    engine = make_engine(notes, index_dir, k=k, mode=mode)
    searchable(text, "question", engine.settings.max_question_chars)
    ensure_ready(engine)
    warn_unmatched(engine, paths)
    answer = engine.ask(text, k=k, mode=mode, paths=list(paths) or None, explain=explain)
    for n in answer.notices:
        click.echo(f"assistant: warning: {n}", err=True)
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
    else:
        from assistant.output import format_answer, format_explain, use_color

        color = use_color(sys.stdout)
        click.echo(format_answer(answer, color))
        if answer.explain is not None:
            click.echo("\n" + format_explain(answer.explain, color))
    _finish(EXIT_ABSTAINED if answer.abstained else EXIT_OK)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@common_options
@click.option(
    "-k",
    "k",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Number of sections.",
)
@query_options("Print hits as JSON.")
@handle_errors
def search(
    query: tuple[str, ...],
    notes: Path | None,
    index_dir: Path | None,
    k: int,
    mode: str | None,
    paths: tuple[str, ...],
    as_json: bool,
) -> None:
    """Print the sections that best match QUERY, ranked, with scores and citations."""
    from assistant.stages.query import searchable

    engine = make_engine(notes, index_dir, mode=mode)
    text, notices = searchable(read_question(query), "query", engine.settings.max_question_chars)
    for n in notices:
        click.echo(f"assistant: warning: {n}", err=True)
    ensure_ready(engine)
    warn_unmatched(engine, paths)
    hits = engine.search(text, k=k, mode=mode, paths=list(paths) or None)
    for n in engine.take_notices():  # "the index could not be refreshed…", as `ask` says it
        click.echo(f"assistant: warning: {n}", err=True)
    if as_json:
        records = [h.model_dump(mode="json") for h in engine.section_hits(hits)]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        from assistant.output import format_hits, use_color

        click.echo(format_hits(hits, use_color(sys.stdout)) if hits else "No matching sections.")
    if not hits and (empty := engine.no_notes()):
        click.echo(f"assistant: warning: {empty}", err=True)
    _finish(EXIT_OK if hits else EXIT_ABSTAINED)


@cli.command("index")
@common_options
@click.option(
    "--list",
    "list_",
    is_flag=True,
    help="List the indexes kept in the user data folder (the default place; an index "
    "given with --index elsewhere is not listed).",
)
@click.option(
    "--drop", is_flag=True, help="Delete the index of the notes folder (notes untouched)."
)
@click.option(
    "--check",
    is_flag=True,
    help="Verify the index against itself and the notes; exit 3 if anything is wrong.",
)
@click.option("--no-wait", is_flag=True, help="Fail at once if another process is indexing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep the index fresh as notes change; Ctrl+C stops. One line per refresh "
    "(with --json: one JSON object per line).",
)
@handle_errors
def index_cmd(
    notes: Path | None,
    index_dir: Path | None,
    list_: bool,
    drop: bool,
    check: bool,
    no_wait: bool,
    as_json: bool,
    watch: bool,
) -> None:
    """Build or refresh the index of a notes folder (only changed files are re-embedded)."""
    from assistant.engine import list_indexes
    from assistant.output import (
        ProgressLine,
        format_infos,
        format_report,
        refresh_json,
        safe,
        skipped_note,
    )

    exclusive_flags(watch=watch, list=list_, drop=drop, check=check)
    if list_:
        infos = list_indexes()
        if as_json:
            click.echo(json.dumps([i.model_dump() for i in infos], indent=2))
        else:
            click.echo(format_infos(infos))
        return
    engine = make_engine(notes, index_dir)
    if drop:
        from index.store import IndexBusy

        try:
            engine.drop()
        except IndexBusy as e:  # --drop never waits: no "run without --no-wait" advice
            _fail(f"{e}; nothing removed (drop it once that run ends)", EXIT_INDEX)
        if as_json:
            click.echo(json.dumps({"removed": str(engine.index_dir)}, indent=2))
        else:
            click.echo(f"Removed index {engine.index_dir} (notes untouched).")
        return
    if check:
        problems = engine.check()
        read_only = engine.read_only()
        if as_json:
            out = {"ok": not problems, "problems": problems, "read_only": read_only}
            click.echo(json.dumps(out, indent=2))
        for p in problems if not as_json else []:
            click.echo(f"problem: {safe(p)}")
        if read_only and not as_json:  # `assistant index` cannot repair or refresh it there
            click.echo(
                f"assistant: the index folder {engine.index_dir} is read-only ({read_only}): "
                "answers come from it as it stands; refreshing or repairing it needs a "
                "writable folder (its full-text check was skipped)",
                err=True,
            )
        if problems:
            from index.lifecycle import INDEX_BUSY

            if not as_json and not read_only and problems != [INDEX_BUSY]:
                click.echo("Run `assistant index` to repair.", err=True)
            sys.exit(EXIT_INDEX)
        if not as_json:
            click.echo(f"Index OK: {engine.index_dir}")
        return
    from index.sync import IndexBusy

    bar = ProgressLine()
    try:
        report = engine.refresh(progress=bar, wait=False, verify=True)
    except IndexBusy:
        if no_wait:
            raise
        # Say that we wait, instead of hanging silently, when another run holds the lock.
        click.echo("assistant: another index run is in progress; waiting for it…", err=True)
        report = engine.refresh(progress=bar, wait=True, verify=True)
    bar.clear()
    for s in report.skipped:
        click.echo(f"assistant: warning: {skipped_note(s)}", err=True)
    for r in report.repaired:
        click.echo(f"assistant: repaired: {r}", err=True)
    large_notes(report)
    if empty := engine.no_notes():
        click.echo(f"assistant: warning: {empty}", err=True)
    if as_json and watch:  # JSON Lines, every record of one shape
        click.echo(refresh_json(report, [], event="index"))
    elif as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(format_report(report))
    if watch:
        watch_index(engine, as_json, report.skipped)


def large_notes(report: Any) -> None:
    """A warning on stderr for each large note the run read (`SyncReport.large`)."""
    for big in report.large:
        click.echo(
            f"assistant: warning: {big} is a large note: most of this run's work; an "
            "`.assistantignore` line leaves it out",
            err=True,
        )


def exclusive_flags(**given: bool) -> None:
    """At most one of `index`'s actions: with two, one was silently ignored (`--drop --check`
    dropped the index unchecked, `--drop --list` listed and dropped nothing). The message
    names the first flag given and every other action, as `--watch`'s always did."""
    on = [f"--{name}" for name, flag in given.items() if flag]
    if len(on) < 2:
        return
    from assistant.errors import UsageError

    others = [f"--{name}" for name in given if name != "watch" and f"--{name}" != on[0]]
    raise UsageError(f"{on[0]} cannot be combined with {', '.join(others[:-1])} or {others[-1]}")


def watch_index(engine: Any, as_json: bool, skipped: Sequence[Any] = ()) -> None:
    """`index --watch`: a line on stdout per refresh until Ctrl+C (which exits 0); a note
    newly skipped is a warning on stderr (JSON records carry every skipped note)."""
    from assistant.live import watch_notes
    from assistant.output import NewSkips, format_refresh, refresh_json, skipped_note

    new_skips = NewSkips(skipped)

    def show(report: Any, batch: Any) -> None:
        click.echo(refresh_json(report, batch.paths) if as_json else format_refresh(report))
        large_notes(report)
        for s in new_skips(report):
            if not as_json:
                click.echo(f"assistant: warning: {skipped_note(s)}", err=True)

    def ready() -> None:
        click.echo(f"Watching {engine.notes_root} for changes (Ctrl+C to stop)", err=True)

    def stop(signum: int, frame: Any) -> None:  # `kill`, a service manager: as Ctrl+C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        watch_notes(
            engine,
            show,
            on_notice=lambda m: click.echo(f"assistant: {m}", err=True),
            on_ready=ready,
        )
    except KeyboardInterrupt:
        try:  # a refresh cut short leaves the last consistent index, and says so
            behind = engine.stale_reason()
        except Exception:  # the notes folder gone, an unreadable index: nothing to add
            behind = None
        if behind:
            click.echo(
                f"Stopped watching; the index is behind the notes ({behind}): the next "
                "`assistant index` or question brings it up to date.",
                err=True,
            )
        else:
            click.echo("Stopped watching.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command("mcp")
@common_options
@click.option("--http", is_flag=True, help="Serve streamable HTTP on 127.0.0.1 instead of stdio.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port for --http (bound to 127.0.0.1 only).  [default: 8765]",
)
@handle_errors
def mcp_cmd(notes: Path | None, index_dir: Path | None, http: bool, port: int | None) -> None:
    """Serve the notes to coding agents and chat clients over the Model Context Protocol.

    Read-only tools: search, ask (the Answer of `ask --json`), read (exact lines of a note)
    and status. Speaks stdio by default (the client starts this command: give it absolute
    paths); --http serves http://127.0.0.1:PORT/mcp and refuses non-local Host and Origin.
    """
    from assistant.mcp_server import NotesServer
    from assistant.settings import check_model_folder

    if port is not None and not http:  # else stdio is served, the port silently unused
        from assistant.errors import UsageError

        raise UsageError("--port is an option of --http: give both, or neither for stdio")
    engine = make_engine(notes, index_dir)
    check_model_folder(engine.settings)  # else every tool call would fail, the server up
    server = NotesServer(engine)
    server.warm()  # loads the index and model while the SDK is imported
    from assistant.mcp_tools import serve

    serve(server, http=http, port=8765 if port is None else port)
    # The client is gone: exit now, not after an index build still running on the refresh
    # thread (interrupting one is safe: the next run carries on from its last commit).
    _finish(EXIT_OK)


def _attach_eval() -> None:
    try:
        from assistant.eval.cli import eval_cmd
    except ImportError:
        return
    cli.add_command(eval_cmd, "eval")


_attach_eval()


def main(engine_factory: EngineFactory | None = None) -> None:
    """The console script. `engine_factory` replaces how engines are made (tests only)."""
    global _FAST_EXIT, _ENGINE_FACTORY
    _FAST_EXIT = True
    for name in ("stdout", "stderr"):  # closed by the caller (`>&-`): Python leaves None
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    _ENGINE_FACTORY = engine_factory
    cli(prog_name="assistant")


if __name__ == "__main__":  # `python -m assistant.cli`, as `python -m assistant`
    main()
