"""`q2c <command> --help` is what an auditor reads first: each paragraph flows to the width of
the terminal. The help came from the commands' docstrings with their source line breaks kept
after the first paragraph ("... up to the last" / "recorded event; ..."), and with reST's
double backquotes (``update``) printed as they are."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

PHRASES = {
    # each straddled a line break of its command's docstring
    "rebuild": [
        "up to the last recorded event",
        "the old read model or the new one",
        "in one transaction of a SQLite or PostgreSQL store",
    ],
    "replay": ["brought up to date first); exit code 1 when any row differs"],
}


@cache
def help_text(command: str) -> str:
    """The command's help on a wide terminal, as a user's shell prints it."""
    done = subprocess.run(
        [sys.executable, "-c", "from q2c_adapters.console import main; main()", command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
        check=True,
    )
    return done.stdout


def test_help_paragraphs_flow_to_the_terminal_width() -> None:
    for command, phrases in PHRASES.items():
        lines = help_text(command).splitlines()
        for phrase in phrases:
            assert any(phrase in line for line in lines), (command, phrase)


def test_help_shows_no_rest_double_backquotes() -> None:
    for command in ("rebuild", "refund", "rows"):
        assert "``" not in help_text(command), command
    assert "(update, report, rows and replay then refuse it)" in help_text("rebuild")
