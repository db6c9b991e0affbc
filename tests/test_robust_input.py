"""Input limits (issue 5 §6) through the real `assistant` entry point with the real model:
over-long questions are truncated with a warning, control characters and escape sequences are
stripped from questions, undecodable bytes never cause a traceback, and terminal output of note
text carries no escape or control sequences from the notes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import BUNDLED_NOTES

pytestmark = pytest.mark.integration

EXE = str(Path(sys.executable).parent / "assistant")
TRAP = (
    "# Terminal trap\n"
    "The deploy token rotates weekly \x1b[31mDANGER\x1b[0m and \x1b]0;pwned\x07 sets a title.\n"
    "A screen clear \x1b[2J, a bell \x07, a backspace \x08 and a hyperlink "
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ hide here.\n"
)
# What may remain on a terminal line: printable text, tab. No ESC, no C0/C1 controls.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def env_notes(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("input")
    notes = tmp / "notes"
    notes.mkdir()
    shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes / "aws-containers.md")
    (notes / "trap.md").write_text(TRAP, encoding="utf-8")
    env = {**os.environ, "ASSISTANT_HOME": str(tmp / "home"), "NO_COLOR": "1"}
    r = subprocess.run(
        [EXE, "index", "--notes", str(notes)], capture_output=True, text=True, env=env, timeout=600
    )
    assert r.returncode == 0, r.stderr
    return env, notes


def run(env: dict[str, str], *args: str | bytes, input: bytes | None = None, extra=None):
    r = subprocess.run(
        [EXE, *args],
        capture_output=True,
        input=input,
        env={**env, **(extra or {})},
        timeout=300,
    )
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return r.returncode, out, err


def test_100k_character_question_is_truncated_with_a_warning(env_notes) -> None:
    env, notes = env_notes
    q = ("Which load balancer is preferred for ECS? " * 3000)[:100_000]
    code, out, err = run(env, "ask", q, "--notes", str(notes))
    assert code in (0, 1), err
    assert "assistant: warning: question truncated to 2000 characters" in err
    assert out.strip()
    code, out, err = run(env, "ask", "-", "--notes", str(notes), "--json", input=q.encode())
    assert code in (0, 1), err
    answer = json.loads(out)
    assert 1900 <= len(answer["question"]) <= 2000
    assert "question truncated to 2000 characters" in err
    # The cut is at a word boundary: no half word is reported as missing from the notes.
    assert "pre" not in answer["missing_terms"]


def test_max_question_chars_is_a_setting(env_notes) -> None:
    env, notes = env_notes
    q = "Which load balancer is preferred for ECS and why and when and how much?"
    code, out, err = run(
        env, "ask", q, "--notes", str(notes), "--json", extra={"ASSISTANT_MAX_QUESTION_CHARS": "40"}
    )
    assert code in (0, 1)
    assert len(json.loads(out)["question"]) <= 40
    assert "question truncated to 40 characters" in err


def test_control_characters_and_bad_bytes_are_stripped(env_notes) -> None:
    env, notes = env_notes
    raw = (
        b"Which \x00load\x07 bal\xffancer\x1b[31m is \x1b]0;t\x07preferred\r\n for ECS?\xed\xa0\x80"
    )
    code, out, err = run(env, "ask", "-", "--notes", str(notes), "--json", input=raw)
    assert code in (0, 1), err
    q = json.loads(out)["question"]
    assert not UNSAFE.search(q) and "\ufffd" not in q and "[31m" not in q, repr(q)
    assert "load" in q and "preferred" in q
    # Undecodable bytes in argv too (they arrive as surrogate escapes).
    code, out, err = run(env, b"ask", b"load balancer \xff\xfe preferred?", b"--notes", str(notes))
    assert code in (0, 1), err


def test_questions_of_only_controls_or_space_are_usage_errors(env_notes) -> None:
    env, notes = env_notes
    for q in ("\x1b[2J\x07\x1b]0;x\x07", " \t ", "\x00\x01"):
        code, _, err = run(env, "ask", "-", "--notes", str(notes), input=q.encode())
        assert code == 2, (q, err)
        assert "question is empty" in err


def test_note_text_on_the_terminal_carries_no_escape_sequences(env_notes) -> None:
    env, notes = env_notes
    code, out, err = run(env, "ask", "When does the deploy token rotate?", "--notes", str(notes))
    assert code == 0, err
    assert "deploy token rotates weekly" in out and "DANGER" in out
    assert "\x1b" not in out and not UNSAFE.search(out.replace("\n", "")), repr(out)
    code, out, err = run(env, "search", "deploy token", "--notes", str(notes))
    assert code == 0
    assert "\x1b" not in out and not UNSAFE.search(out.replace("\n", "")), repr(out)
    # JSON keeps the quote verbatim (invariant 1), escaped by JSON itself.
    code, out, _ = run(
        env, "ask", "When does the deploy token rotate?", "--notes", str(notes), "--json"
    )
    quote = json.loads(out)["citations"][0]["quote"]
    assert "\x1b[31mDANGER" in quote
    assert "\x1b" not in out, "raw ESC bytes never reach stdout, even in JSON"


def test_colour_output_on_a_terminal_has_only_our_styling(env_notes) -> None:
    """On a real pty (colour on), the only escapes are the CLI's own SGR colour codes."""
    env, notes = env_notes
    env = {k: v for k, v in env.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    master, slave = pty.openpty()
    p = subprocess.Popen(
        [EXE, "ask", "When does the deploy token rotate?", "--notes", str(notes)],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=120)
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert p.returncode == 0, p.stderr.read() if p.stderr else ""
    assert "deploy token rotates weekly" in out
    escapes = re.findall(r"\x1b[^a-zA-Z]*[a-zA-Z]?", out)
    assert escapes, "colour was expected on a terminal"
    assert all(re.fullmatch(r"\x1b\[[0-9;]*m", e) for e in escapes), escapes
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]", out), repr(out)
