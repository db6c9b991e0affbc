"""The real `assistant` CLI with the fake embedder, for tests that run it in another process:

    python tests/fake_cli.py ARGS...

It calls `assistant.cli.main` with `fakes.fake_engine` as its engine factory (the CLI's seam);
nothing is patched.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from fakes import fake_engine  # noqa: E402

from assistant.cli import main  # noqa: E402

if __name__ == "__main__":
    main(engine_factory=fake_engine)
