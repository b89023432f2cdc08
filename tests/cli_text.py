"""The command line's own text (help pages and usage errors) as the tests see it, for comparing
English output with the snapshot in ``tests/cli_text_en.json``.

    python -m tests.cli_text      # rewrite the snapshot after a deliberate change to English text
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

SNAPSHOT = Path(__file__).with_name("cli_text_en.json")
WIDTH = "100"

HELP = [["--help"], ["-h"], [], ["help"], ["help", "quiz"], ["help", "export"], ["export"],
        ["export", "anki", "--help"], ["export", "reviews", "--help"]] + [
    [name, "--help"] for name in ("list", "show", "check", "prove", "quiz", "review", "search",
                                  "new", "suspend", "unsuspend", "bury", "flag", "plan", "stats",
                                  "backup", "optimize", "help", "export")]

# One of each kind of usage error Click and Typer raise on dlstudy's command line.
ERRORS = [
    ["quiz", "--bogus"],                  # no such option
    ["quiz", "--topc", "x"],              # no such option, with the close ones
    ["show"],                             # missing argument
    ["flag", "1"],                        # missing argument (nargs=-1)
    ["quiz", "-n", "0"],                  # out of range
    ["quiz", "-n", "x"],                  # not an integer
    ["prove", "--timeout", "abc"],        # not a float
    ["qiz"],                              # no such command, did you mean
    ["zzzz"],                             # no such command
    ["export", "nope"],                   # no such command in a sub-group
    ["list", "extra"],                    # unexpected extra argument
    ["list", "a", "b"],                   # unexpected extra arguments
    ["quiz", "--topic"],                  # option requires an argument
    ["list", "--json=x"],                 # option does not take a value
    ["--bogus"],                          # no such option of dlstudy itself
]


def run(args: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """What ``dlstudy ARGS`` prints (stdout and stderr) and its exit code, 100 columns wide."""
    from dlstudy.cli import app

    result = CliRunner().invoke(app, args, prog_name="dlstudy",
                                env={"COLUMNS": WIDTH, "LINES": "50", **(env or {})})
    return {"output": result.output, "exit_code": result.exit_code}


def texts(env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    return {" ".join(args) or "(none)": run(args, env) for args in HELP + ERRORS}


if __name__ == "__main__":
    import os
    import tempfile

    os.environ["DLSTUDY_LANG"] = "en"
    os.environ.pop("DLSTUDY_DECKS", None)
    with tempfile.TemporaryDirectory() as home:
        os.environ["DLSTUDY_HOME"] = home
        SNAPSHOT.write_text(json.dumps(texts(), ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
