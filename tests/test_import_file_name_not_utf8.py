"""A file whose name is not UTF-8 (``Stundenzettel_März.csv`` copied from an old Windows share,
the ä one Latin-1 byte) reaches Python as text with a lone surrogate. ``q2c import
time-entries`` on it ended in a traceback (UnicodeEncodeError: surrogates not allowed) when the
batch was stored. The file is imported under its name as it reads, the byte that is no
UTF-8 shown as U+FFFD; given to the application as such text, the name is refused naming
``file_name``, nothing recorded."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from test_cli_imports import books, head, opened, q2c
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_core import QuoteToCash
from q2c_core.domain.errors import InvalidValue

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="file names of any bytes are a POSIX file system's"
)
LATIN_1_NAME = os.fsdecode(b"Stundenzettel_M\xe4rz.csv")


def test_the_cli_imports_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    url, ids = books(tmp_path, requests)
    file = tmp_path / LATIN_1_NAME
    file.write_text(f"worker,date,hours,request\ndana,2024-03-05,2,{ids['TKT-101']}\n")
    args = ["--url", url, "--actor", "psa-sync", "--today", "2024-03-10"]
    result = q2c("import", "time-entries", str(file), *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Stundenzettel_M\ufffdrz.csv: time entries imported")
    with opened(url) as app:
        assert len(app.request(ids["TKT-101"]).work) == 1
    again = q2c("import", "time-entries", str(file), *args)
    assert again.exit_code == 0, again.output
    assert "already imported" in again.stdout


def test_the_importer_reads_such_a_file_under_its_name_as_it_reads(
    app: QuoteToCash, tmp_path: Path
) -> None:
    ids = requests(app)
    file = tmp_path / LATIN_1_NAME
    file.write_text("worker,date,hours,request\ndana,2024-03-05,2,TKT-101\n")
    report = psa(app, ids).import_file(file, actor="psa-sync")
    assert report.file_name == "Stundenzettel_M\ufffdrz.csv"


def test_a_name_utf8_cannot_store_is_refused_naming_file_name(tmp_path: Path) -> None:
    url, ids = books(tmp_path, requests)
    before = head(url)
    with opened(url) as app, pytest.raises(InvalidValue) as refused:
        psa(app, ids).import_bytes(
            b"worker,date,hours,request\ndana,2024-03-05,2,TKT-101\n", LATIN_1_NAME, actor="a"
        )
    assert refused.value.field == "file_name"
    assert head(url) == before
