"""Offline guarantee (issue 5 §5): `assistant index`, `assistant ask` and the TUI's first answer,
with the real bundled model and the real entry points, in subprocesses where every network
attempt is recorded and refused (audit hook on raw sockets and name lookups, see
helpers_net.py) and, where the machine allows it, inside a private network namespace
(`unshare -n`). The hub's offline switches are removed from the environment: the app must be
offline on its own. Any recorded attempt fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_net import attempts, guarded_env, guarded_processes, unshare_prefix

from corpus import BUNDLED_NOTES

pytestmark = pytest.mark.integration

QUESTION = "Which load balancer is preferred for ECS?"

TUI_FIRST_ANSWER = r"""
import asyncio, json, sys, time
from assistant.engine import Engine
from assistant.settings import load_settings
from tui.app import AssistantApp


async def main():
    engine = Engine(load_settings(notes=sys.argv[1]))
    app = AssistantApp(engine, notes_label="notes")
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat_screen
        deadline = time.monotonic() + 240
        while not chat.ready:
            assert time.monotonic() < deadline, "index never became ready"
            await pilot.pause(0.05)
        chat.question_input.focus()
        chat.question_input.value = sys.argv[2]
        await pilot.press("enter")
        while chat.last_answer is None:
            assert time.monotonic() < deadline, "no answer"
            await pilot.pause(0.05)
        a = chat.last_answer
        print(json.dumps({
            "abstained": a.abstained,
            "citations": [[c.path, c.start_line, c.end_line, c.quote] for c in a.citations],
        }))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("offline")
    notes = tmp / "notes"
    notes.mkdir()
    shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes / "aws-containers.md")
    env, log = guarded_env(tmp)
    env["ASSISTANT_HOME"] = str(tmp / "home")
    env["NO_COLOR"] = "1"
    prefix = unshare_prefix()
    return tmp, notes, env, log, prefix


def run(prefix: list[str], cmd: list[str], env: dict[str, str], timeout: float = 600):
    return subprocess.run([*prefix, *cmd], capture_output=True, text=True, env=env, timeout=timeout)


def assistant_exe() -> str:
    return str(Path(sys.executable).parent / "assistant")


def test_index_and_ask_never_touch_the_network(offline) -> None:
    _tmp, notes, env, log, prefix = offline
    r = run(prefix, [assistant_exe(), "index", "--notes", str(notes)], env)
    assert r.returncode == 0, r.stderr
    assert "Indexed: 1 added" in r.stdout
    assert attempts(log) == [], attempts(log)
    assert any(a[0].endswith("assistant") and a[1:2] == ["index"] for a in guarded_processes(log))

    r = run(prefix, [assistant_exe(), "ask", QUESTION, "--notes", str(notes), "--json"], env)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert not answer["abstained"]
    assert any("ALB - Preferred" in c["quote"] for c in answer["citations"]), answer
    assert "Traceback" not in r.stderr
    assert attempts(log) == [], attempts(log)
    assert any(a[0].endswith("assistant") and a[1:2] == ["ask"] for a in guarded_processes(log))


def test_ask_building_its_own_index_never_touches_the_network(offline) -> None:
    """A cold `ask` (no index yet: loads the indexing model, builds, exports) stays offline."""
    tmp, _, env, log, prefix = offline
    notes = tmp / "notes2"
    notes.mkdir()
    (notes / "n.md").write_text("# Ports\nThe service listens on port 8443 behind the ALB.\n")
    r = run(prefix, [assistant_exe(), "ask", "Which port?", "--notes", str(notes)], env)
    assert r.returncode == 0, r.stderr
    assert "8443" in r.stdout
    assert attempts(log) == [], attempts(log)


def test_tui_first_answer_never_touches_the_network(offline) -> None:
    pytest.importorskip("textual")
    _tmp, notes, env, log, prefix = offline
    r = run(prefix, [sys.executable, "-c", TUI_FIRST_ANSWER, str(notes), QUESTION], env)
    assert r.returncode == 0, r.stderr[-3000:]
    answer = json.loads(r.stdout.strip().splitlines()[-1])
    assert not answer["abstained"]
    assert any("ALB - Preferred" in c[3] for c in answer["citations"]), answer
    assert attempts(log) == [], attempts(log)


def test_guard_catches_a_raw_socket(offline) -> None:
    """The guard itself works: a raw TCP connect to a literal address is caught and logged."""
    tmp, _, env, _, prefix = offline
    env2, log2 = guarded_env(tmp / "self-test", base=env)
    code = (
        "import socket\n"
        "s = socket.socket()\n"
        "try:\n"
        "    s.connect(('192.0.2.1', 443))\n"
        "except OSError as e:\n"
        "    print('refused:', e)\n"
    )
    r = run(prefix, [sys.executable, "-c", code], env2, timeout=60)
    assert "refused" in r.stdout
    recorded = [json.loads(x) for x in attempts(log2)]
    assert [x["event"] for x in recorded] == ["socket.connect"]
