"""``q2c report ... | head``: the reader closes the pipe before q2c has written everything.
q2c stops quietly (no traceback, no error line) with exit code 141, as a shell reports a
command a closed pipe stopped (128 + SIGPIPE): never 1, which says "not found" or "the read
models differ", nor 2, a mistake of use or storage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_projections_story import story

from q2c_core import QuoteToCash

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pipe') / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    return url


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run q2c with its standard output a pipe nobody reads any more."""
    read, write = os.pipe()
    os.close(read)  # (the reader gone before q2c writes a byte)
    try:
        env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "120"}
        return subprocess.run(
            [sys.executable, "-m", "q2c_adapters.cli", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "unbilled"],
        ["report", "aging", "--format", "csv"],
        ["report", "customers", "--format", "json"],
        ["history", "INV-000001"],
        ["replay"],
    ],
)
def test_a_reader_that_stops_reading_stops_q2c_quietly(url: str, args: list[str]) -> None:
    done = _into_a_closed_pipe(*args, "--url", url)
    assert done.returncode == 141, done.stderr.decode()
    assert done.stderr == b""
