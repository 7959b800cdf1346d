"""An auditor runs q2c on Acme's books. When a command stops because of the operating system
(the disk its output goes to is full, a file it reads is not readable) the one line on
standard error must say what failed: the file and the system's message, or that the output
could not be written. It used to call every such error "storage failed, the command stopped",
sending the auditor to look at a database that was fine. Storage failing (the database's own
errors) is still said so; both end with exit code 2 and no traceback.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_projections_story import story

import q2c_adapters.cli as cli_module
from q2c_core import QuoteToCash


@pytest.fixture
def books(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'acme.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    return url


def q2c(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "q2c_adapters.cli", *args],
        capture_output="stdout" not in kwargs,
        stderr=subprocess.PIPE if "stdout" in kwargs else None,
        text=True,
        env=env,
        timeout=120,
        **kwargs,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_report_written_to_a_full_disk_says_the_output_failed(books: str) -> None:
    with open("/dev/full", "w") as full:
        result = q2c("report", "aging", "--url", books, "--format", "csv", stdout=full)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [said] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "storage" not in said, said
    assert said == "error: cannot write the output (standard output): No space left on device"


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["q2c", *args])
    with pytest.raises(SystemExit) as stopped:
        cli_module.main()
    code = stopped.value.code
    return code if isinstance(code, int) else -1, capsys.readouterr().err


def test_a_file_the_command_cannot_read_is_named_with_the_systems_message(
    books: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreadable(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", "/srv/q2c/templates/aging.txt")

    monkeypatch.setattr(cli_module, "report_table", unreadable)
    code, said = run_main(monkeypatch, capsys, "report", "aging", "--url", books)
    assert code == 2
    assert said.strip() == "error: /srv/q2c/templates/aging.txt: Permission denied", said
    assert "storage" not in said


def test_storage_failing_is_still_said_to_be_storage(
    books: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def locked(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(cli_module, "report_table", locked)
    code, said = run_main(monkeypatch, capsys, "report", "aging", "--url", books)
    assert code == 2
    assert said.strip() == "error: storage failed, the command stopped: database is locked"
