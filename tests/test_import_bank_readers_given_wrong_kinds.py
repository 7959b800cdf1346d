"""The bank statement readers are public: a script reading a CSV statement it opened in binary
mode, or a camt.053 it decoded to text, is told so as a q2c error naming ``text`` or ``data``.

Found by review: ``read_bank_csv(b"...")`` failed with a bare ``TypeError: cannot use a string
pattern on a bytes-like object``, ``read_camt053`` given the decoded text with its XML
declaration with ``ValueError: Unicode strings with encoding declaration are not supported``,
and either given None with a bare ``TypeError``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from q2c_adapters.importers import read_bank_csv, read_camt053
from q2c_core import InvalidValue

CSV = "date,amount,currency,reference,remittance,name\n2024-04-02,100.00,EUR,B1,x,Initech\n"
CAMT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    "</BkToCstmrStmt></Document>"
)
DAY = date(2024, 4, 30)


@pytest.mark.parametrize("given", [CSV.encode(), None, 5])
def test_a_csv_statement_that_is_no_text_is_refused_naming_it(given: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        read_bank_csv(given, today=DAY)
    assert refused.value.field == "text"


@pytest.mark.parametrize("given", [CAMT, None, 5])
def test_a_camt_statement_that_is_no_bytes_is_refused_naming_it(given: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        read_camt053(given, today=DAY)
    assert refused.value.field == "data"


def test_each_in_its_kind_is_read() -> None:
    rows, problems, ignored = read_bank_csv(CSV, today=DAY)
    assert (len(rows), problems, ignored) == (1, [], 0)
    rows, problems, ignored = read_camt053(CAMT.encode(), today=DAY)
    assert rows == []
    assert [p.field for p in problems] == ["Stmt"]
