"""`python -m assistant`: the `assistant` command, for a checkout run without installing it."""

from assistant.cli import main

main()
