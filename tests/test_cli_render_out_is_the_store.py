"""``q2c invoice render --out``: the document never overwrites the SQLite store it is read from.

Bea renders INV-000001 and, tab-completing the wrong file, types ``--out billing.db``: the PDF
replaced the database, every event of the firm lost (the next command said "file is not a
database"). ``q2c export`` refused such an --out already; ``render`` now refuses it too, before
anything is written (exit 2), and the history is still there.
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_core import QuoteToCash


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, str, UUID]:
    path = tmp_path / "billing.db"
    url = f"sqlite:///{path}"
    return path, url, make_invoice(url)


def still_has_the_invoice(url: str, invoice: UUID) -> bool:
    app = QuoteToCash.open(url)
    try:
        return app.invoice(invoice).number == "INV-000001"
    finally:
        app.close()


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_render_refuses_an_out_that_is_the_store_and_keeps_the_history(
    db: tuple[Path, str, UUID], fmt: str
) -> None:
    path, url, invoice = db
    before = path.read_bytes()
    result = CliRunner().invoke(
        cli(), ["invoice", "render", "INV-000001", "--url", url, "-f", fmt, "--out", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "store" in result.output
    assert path.read_bytes() == before
    assert still_has_the_invoice(url, invoice)


def test_render_refuses_the_store_by_another_path_or_its_write_ahead_log(
    db: tuple[Path, str, UUID], tmp_path: Path
) -> None:
    path, url, invoice = db
    link = tmp_path / "link.db"
    os.symlink(path, link)
    roundabout = tmp_path / "sub" / ".." / "billing.db"
    (tmp_path / "sub").mkdir()
    for out in (link, roundabout, Path(f"{path}-wal")):
        result = CliRunner().invoke(
            cli(), ["invoice", "render", "INV-000001", "--url", url, "--out", str(out)]
        )
        assert result.exit_code == 2, (out, result.output)
        assert "store" in result.output
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    assert still_has_the_invoice(url, invoice)


def test_render_still_writes_a_file_beside_the_store(
    db: tuple[Path, str, UUID], tmp_path: Path
) -> None:
    _, url, invoice = db
    out = tmp_path / "INV-000001.pdf"
    result = CliRunner().invoke(
        cli(), ["invoice", "render", "INV-000001", "--url", url, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert still_has_the_invoice(url, invoice)
