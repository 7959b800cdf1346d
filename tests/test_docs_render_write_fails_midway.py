"""``q2c invoice render --out`` onto a disk that fills up while the document is written: the
command says so (exit 2), and the folder holds what it held before: last month's PDF of the
invoice is still whole, and no half-written PDF is left behind to be mailed to the customer.

The disk filling up is real: the command runs in a child process whose file size limit
(``RLIMIT_FSIZE``) is below the PDF's size, so the operating system refuses the write midway,
as a full disk does (``File too large`` instead of ``No space left on device``)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image
from test_cli_documents import make_invoice

SRC = Path(__file__).resolve().parents[1] / "src"
LIMIT = 60_000  # bytes: more than the database, less than the PDF with its logo


def _limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def render(url: str, *args: str, limited: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "q2c_adapters.cli", "invoice", "render", "INV-000001",
         "--url", url, *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=_limited if limited else None,
    )  # fmt: skip


def test_a_write_that_fails_midway_leaves_the_earlier_pdf_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    # a letterhead logo of noise: the PDF is larger than the limit
    logo = tmp_path / "logo.png"
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(logo)
    branding = tmp_path / "branding.toml"
    branding.write_text('company_name = "Q2C Services GmbH"\nlogo = "logo.png"\n', "utf-8")
    out = tmp_path / "docs" / "INV-000001.pdf"
    out.parent.mkdir()

    first = render(url, "--out", str(out), limited=False)
    assert first.returncode == 0, first.stderr
    earlier = out.read_bytes()
    assert earlier.startswith(b"%PDF-")

    second = render(url, "--branding", str(branding), "--out", str(out), limited=True)
    assert second.returncode == 2, second.stderr
    assert second.stderr.startswith(f"error: --out {out}:"), second.stderr
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert out.read_bytes() == earlier  # last month's PDF, whole
    assert sorted(p.name for p in out.parent.iterdir()) == ["INV-000001.pdf"]  # no leftovers

    fresh = tmp_path / "docs" / "new.pdf"
    third = render(url, "--branding", str(branding), "--out", str(fresh), limited=True)
    assert third.returncode == 2, third.stderr
    assert not fresh.exists()  # no half-written PDF
    assert sorted(p.name for p in out.parent.iterdir()) == ["INV-000001.pdf"]


def test_a_link_or_a_pipe_given_as_out_still_gets_the_document(tmp_path: Path) -> None:
    """Written whole does not mean replaced blindly: ``--out`` naming a link writes the file it
    links to (the link stays), and a named pipe (a mail program reading it) gets the document
    through it, staying a pipe."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    make_invoice(url)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "current.pdf").write_bytes(b"old")
    link = tmp_path / "current.pdf"
    link.symlink_to(shared / "current.pdf")
    done = render(url, "--out", str(link), limited=False)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert (shared / "current.pdf").read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in shared.iterdir()) == ["current.pdf"]

    pipe = tmp_path / "mailer"
    os.mkfifo(pipe)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen(
        [sys.executable, "-m", "q2c_adapters.cli", "invoice", "render", "INV-000001",
         "--url", url, "--format", "html", "--out", str(pipe)],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with open(pipe, "rb") as reader:
        received = reader.read()
    assert child.wait(timeout=120) == 0, child.stderr.read() if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    assert b"INV-000001" in received and received.rstrip().endswith(b"</html>")
    assert not pipe.is_file() and pipe.exists()  # still the pipe
