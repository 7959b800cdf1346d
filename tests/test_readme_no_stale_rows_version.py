"""A rows version is given in one place, the README's table under "Rows versions": the
dunning paragraph said "receivables rows 4 keep every notice day" while the table (and the
code) has ``ReceivablesAging`` at 5, so an operator reading it could not tell which layout an
upgrade refuses until ``q2c rebuild``. No paragraph gives "<read model> rows <n>" now."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def outside_the_table() -> str:
    table = re.search(r"^#### Rows versions\n.*?(?=^#+ )", README, re.M | re.S)
    assert table is not None
    return README.replace(table.group(0), "")


def test_no_paragraph_gives_a_read_model_s_rows_a_number() -> None:
    text = " ".join(outside_the_table().split())
    assert re.findall(r"(?i)\b\w+ rows (?:version )?\d+\b", text) == []


def test_the_dunning_paragraph_points_at_the_table() -> None:
    text = " ".join(outside_the_table().split())
    said = text.split("The dunning run", 1)[1].split("Oldest-first allocation", 1)[0]
    assert "[Rows versions](#rows-versions)" in said
