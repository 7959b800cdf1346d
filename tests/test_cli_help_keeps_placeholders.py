"""`q2c <command> --help` reads its option help as Markdown, where `<invoice id hex>` is an
HTML tag and vanished: `q2c explain --help` told the auditor a row key is "e.g. inv: (see q2c
rows)", `invoice render --out` defaulted to ". in the current folder", and the PSA import's
entry ids were "SOURCE: (...)". Each placeholder is printed as written."""

from __future__ import annotations

import subprocess
import sys


def help_text(*command: str) -> str:
    """The command's help on a wide terminal, as a user's shell prints it."""
    done = subprocess.run(
        [sys.executable, "-c", "from q2c_adapters.console import main; main()", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
        check=True,
    )
    return done.stdout


def test_the_auditor_reads_what_a_row_key_looks_like() -> None:
    assert "e.g. inv:<invoice id hex> (see q2c rows)" in help_text("explain")


def test_the_clerk_reads_the_default_file_name_and_the_psa_entry_ids() -> None:
    assert "default <number>.<ext> in the current folder" in help_text("invoice", "render")
    assert "its entry ids are SOURCE:<id>" in help_text("import", "time-entries")


def test_markdown_in_a_help_text_still_reads_as_markdown() -> None:
    """Only the placeholders are kept as text: double backquotes still print no backquotes."""
    assert "``" not in help_text("rebuild")
