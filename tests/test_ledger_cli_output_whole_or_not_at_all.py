"""``q2c export ... --out FILE`` writes the file whole or leaves it as it was.

An accountant exports the books every night over last night's file. One night the disk
fills up (here: the process may not write files larger than a limit, so the write fails with
``File too large`` part way) while the ledger or the invoice register is being written. The
export says so in one line with exit code 2, and last night's file is still there, whole:
never a ledger cut off in the middle of a transaction that the next import or ``bean-check``
would read as the books. No scratch file is left beside it either. With room again, the same
command writes the new file whole.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from beancount import loader
from test_beancount_ledger import build_books, issue, manual_line

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_adapters.accounting.exports import export
from q2c_core import QuoteToCash, TaxRate

SRC = str(Path(__file__).resolve().parents[1] / "src")
# larger than what SQLite itself writes beside the store when it opens it (its 32 KiB
# shared-memory file), smaller than the exports of the story
LIMIT = 48_000

RUN_WITH_A_FULL_DISK = """
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.argv = ["q2c", *sys.argv[2:]]
runpy.run_module("q2c_adapters.cli", run_name="__main__")
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The story's books and a month of small invoices: exports well past ``LIMIT``."""
    url = f"sqlite:///{tmp_path_factory.mktemp('full') / 'billing.db'}"
    app = QuoteToCash.open(url)
    books = build_books(app)
    for n in range(160):
        day = date(2024, 7, 1 + n % 28)
        invoice = app.draft_invoice(
            books.acme,
            [manual_line(f"L{k}", f"{10 + n}.5{k}", TaxRate.standard(21)) for k in range(4)],
            drafted_on=day,
            actor="billy",
        )
        issue(app, invoice, day)
    app.close()
    return url


def _export(*args: str, limit: int | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONDONTWRITEBYTECODE": "1"}
    if limit is None:
        command = [sys.executable, "-m", "q2c_adapters.cli", *args]
    else:
        command = [sys.executable, "-c", RUN_WITH_A_FULL_DISK, str(limit), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _expected(url: str, what: str) -> str:
    app = QuoteToCash.open(url)
    try:
        return export_ledger(app) if what == "beancount" else export(app, what, "csv")
    finally:
        app.close()


@pytest.mark.parametrize("what", ["beancount", "invoices"])
def test_a_disk_full_leaves_last_nights_export_whole(url: str, tmp_path: Path, what: str) -> None:
    pytest.importorskip("resource")
    expected = _expected(url, what)
    assert len(expected.encode("utf-8")) > 2 * LIMIT  # the write fails part way, not at once
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / f"books.{what}"
    last_night = "; last night's books\n" + expected[: len(expected) // 4]
    out.write_text(last_night, encoding="utf-8")
    out.chmod(0o640)  # (readable by the accountants' group only)

    full = _export("export", what, "--url", url, "--out", str(out), limit=LIMIT)

    assert full.returncode == 2, full.stderr
    assert full.stderr.startswith(f"error: --out {out}: File too large"), full.stderr
    assert "Traceback" not in full.stderr
    assert out.read_text(encoding="utf-8") == last_night  # whole, as it was
    assert sorted(p.name for p in folder.iterdir()) == [out.name]  # nothing left beside it

    again = _export("export", what, "--url", url, "--out", str(out), limit=None)

    assert again.returncode == 0, again.stderr
    assert out.read_text(encoding="utf-8") == expected
    assert out.stat().st_mode & 0o777 == 0o640  # the file keeps who may read it
    assert sorted(p.name for p in folder.iterdir()) == [out.name]
    if what == "beancount":
        _, errors, _ = loader.load_string(expected)
        assert errors == []
    else:
        assert expected.count("\n") > 4 * 160  # a row per line of every invoice


def test_a_new_export_file_is_not_left_behind_half_written(url: str, tmp_path: Path) -> None:
    """No file there before: the failed export leaves none (not a truncated one)."""
    pytest.importorskip("resource")
    out = tmp_path / "books.beancount"

    full = _export("export", "beancount", "--url", url, "--out", str(out), limit=LIMIT)

    assert full.returncode == 2, full.stderr
    assert full.stderr.startswith(f"error: --out {out}: File too large"), full.stderr
    assert list(tmp_path.iterdir()) == []


def test_what_is_not_a_file_is_written_into_not_replaced(url: str, tmp_path: Path) -> None:
    """``--out /dev/stdout`` pipes the export on as it always did, and a named pipe another
    program reads (a loader waiting on ``books.fifo``) gets the text and stays a pipe: only a
    file is written beside and put in place."""
    expected = _expected(url, "payments")
    to_stdout = _export("export", "payments", "--url", url, "--out", "/dev/stdout", limit=None)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout == expected

    fifo = tmp_path / "books.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def loader_reads() -> None:
        with open(fifo, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=loader_reads, daemon=True)
    reader.start()
    done = _export("export", "payments", "--url", url, "--out", str(fifo), limit=None)
    reader.join(timeout=60)
    if reader.is_alive():  # (nothing opened the pipe to write: let the reader go)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe, not a file in its place
    assert received == [expected.encode("utf-8")]
