"""A network guard for subprocesses: a `sitecustomize.py` that installs an audit hook.

`guarded_env(tmp)` returns (env, log): run a Python program (the `assistant` console script
included) with `env` and every attempt to resolve a name or open a non-Unix socket connection
is written to `log` (one JSON line: event, detail, pid, argv) and refused with OSError. The
hook sees raw sockets (`socket.connect`, `socket.getaddrinfo`...), not only HTTP clients, and is
inherited by child Python processes through PYTHONPATH. `unshare_prefix()` adds a second,
kernel-level layer where available: a new, empty network namespace (no interfaces but a down
loopback), so not even C code that bypasses Python's socket module can reach a network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SITECUSTOMIZE = r"""
import json as _json
import os as _os
import sys as _sys

_LOG = _os.environ.get("NET_GUARD_LOG")
_NAME_EVENTS = {
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
}


def _record(event, detail):
    try:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(_json.dumps({"event": event, "detail": detail, "pid": _os.getpid(),
                                 "argv": _sys.argv[:3]}) + "\n")
    except Exception:
        pass


def _is_unix(sock):
    try:
        import socket as _socket
        return sock.family == _socket.AF_UNIX
    except Exception:
        return False


def _hook(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock = args[0]
        if _is_unix(sock):
            return
        _record(event, repr(args[1:])[:300])
        raise OSError("network access blocked by the test's network guard")
    if event in _NAME_EVENTS:
        _record(event, repr(args)[:300])
        raise OSError("name resolution blocked by the test's network guard")
    if event == "urllib.Request":
        _record(event, repr(args[:1])[:300])
        raise OSError("urllib blocked by the test's network guard")


if _LOG:
    _sys.addaudithook(_hook)
    try:  # prove the guard was active in this process
        with open(_LOG + ".procs", "a", encoding="utf-8") as _f:
            _f.write(_json.dumps({"pid": _os.getpid(), "argv": _sys.argv[:3]}) + "\n")
    except Exception:
        pass
"""


def guarded_env(tmp: Path, base: dict[str, str] | None = None) -> tuple[dict[str, str], Path]:
    guard_dir = tmp / "netguard"
    guard_dir.mkdir(parents=True, exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp / "net-attempts.jsonl"
    log.write_text("")
    Path(f"{log}.procs").write_text("")
    env = dict(base if base is not None else os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(guard_dir), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    env["NET_GUARD_LOG"] = str(log)
    # The app must be offline on its own: drop the hub's offline switches the tests set.
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        env.pop(var, None)
    # A proxy that would make any HTTP attempt visible and fail fast.
    env["HTTP_PROXY"] = env["HTTPS_PROXY"] = "http://192.0.2.1:9"
    return env, log


def unshare_prefix() -> list[str]:
    """["unshare", "-n"] when this machine allows a private network namespace, else []."""
    exe = shutil.which("unshare")
    if not exe:
        return []
    try:
        ok = subprocess.run([exe, "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return []
    return [exe, "-n"] if ok else []


def attempts(log: Path) -> list[str]:
    return [ln for ln in log.read_text(encoding="utf-8").splitlines() if ln.strip()]


def guarded_processes(log: Path) -> list[list[str]]:
    """argv (first 3) of every Python process that ran with the guard installed."""
    import json

    lines = Path(f"{log}.procs").read_text(encoding="utf-8").splitlines()
    return [json.loads(ln)["argv"] for ln in lines if ln.strip()]
