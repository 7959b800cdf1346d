"""``q2c report`` on a terminal that is not UTF-8: CSV and JSON are the UTF-8 bytes a file
takes, a table prints what the terminal can show, and nothing stops on a traceback.

Found by the delivery review, after ``q2c export`` was mended alike: on a bookkeeper's server
with a Latin-1 locale (here ``PYTHONIOENCODING=latin-1``), ``q2c report customers --format csv
> customers.csv`` stopped half way with a UnicodeEncodeError traceback on a Greek customer's
name, and the table did too ("You may need to add PYTHONIOENCODING=utf-8"). CSV and JSON now go
to standard output as UTF-8 (what every CSV and JSON reader takes), and a table is printed in
the terminal's encoding with what it cannot show as "?": Müller GmbH reads as it should.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from q2c_core import QuoteToCash

SRC = str(Path(__file__).resolve().parents[1] / "src")
GREEK = "Ελληνική Λογιστική ΑΕ"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('enc') / 'billing.db'}"
    app = QuoteToCash.open(url)
    for name in (GREEK, "Müller GmbH"):
        app.register_customer(name, "EUR", account_manager="mia", actor="alice")
    app.close()
    return url


def report(url: str, fmt: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONIOENCODING": encoding, "COLUMNS": "200"}
    command = [sys.executable, "-m", "q2c_adapters.cli", "report", "customers", "--url", url]
    return subprocess.run([*command, "--format", fmt], capture_output=True, env=env, timeout=300)


def test_csv_on_a_latin1_terminal_is_the_utf8_csv(url: str) -> None:
    latin = report(url, "csv", "latin-1")
    assert latin.returncode == 0, latin.stderr.decode(errors="replace")[-400:]
    assert latin.stdout == report(url, "csv", "utf-8").stdout
    text = latin.stdout.decode("utf-8")
    assert GREEK in text and "Müller GmbH" in text


def test_json_on_a_latin1_terminal_is_the_utf8_json(url: str) -> None:
    latin = report(url, "json", "latin-1")
    assert latin.returncode == 0, latin.stderr.decode(errors="replace")[-400:]
    assert latin.stdout == report(url, "json", "utf-8").stdout
    names = {row["customer"] for row in json.loads(latin.stdout)["rows"]}
    assert {GREEK, "Müller GmbH"} <= names


def test_a_table_on_a_latin1_terminal_shows_what_it_can(url: str) -> None:
    latin = report(url, "table", "latin-1")
    assert latin.returncode == 0, latin.stderr.decode(errors="replace")[-400:]
    text = latin.stdout.decode("latin-1")
    assert "Müller GmbH" in text
    assert "?" * 8 in text  # (Ελληνική, as the terminal cannot show it)
    utf8 = report(url, "table", "utf-8")
    assert GREEK in utf8.stdout.decode("utf-8")
