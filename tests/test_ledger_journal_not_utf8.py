"""A Beancount journal that is not UTF-8 text is refused by name, and left as it is.

The accountant opens the running journal in an old editor to note who checked it
(``; Geprüft von José``) and saves it as Latin-1. The next delivery opens the journal: rather
than a bare ``UnicodeDecodeError`` from deep inside (or, for a journal written before blocks
had an end line, the format line appended first and the error after), the journal is refused
with ``InvalidValue`` naming ``path`` and the byte that is not UTF-8, before anything is
written: the file is byte for byte what the accountant saved, for her to save again as UTF-8.
Saved as UTF-8, the same note is taken as it is and the delivery carries on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_beancount_ledger import build_books, load_ok

from q2c_adapters.accounting.beancount_ledger import BeancountJournal
from q2c_adapters.delivery import Delivery
from q2c_core import InvalidValue, QuoteToCash

NOTE = "; Geprüft von José\n"


def journal_of(app: QuoteToCash, path: Path) -> str:
    Delivery(app, BeancountJournal(app, str(path)), name="ledger").run()
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("written", ["with block ends", "before block ends"])
def test_a_latin1_journal_is_refused_by_name_and_left_as_it_is(
    tmp_path: Path, written: str
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    build_books(app)
    path = tmp_path / "books.beancount"
    text = journal_of(app, path)
    if written == "before block ends":  # (as q2c wrote journals before blocks had end lines)
        text = re.sub(r"^; q2c [^\n]*\n", "", text, flags=re.MULTILINE)
    head, rest = text.split("\n", 1)
    saved = (head + "\n" + NOTE + rest).encode("latin-1")
    path.write_bytes(saved)
    offset = saved.index("ü".encode("latin-1"))

    with pytest.raises(InvalidValue) as refused:
        BeancountJournal(app, str(path))

    assert refused.value.field == "path"
    assert "UTF-8" in str(refused.value) and f"byte {offset}" in str(refused.value)
    assert path.read_bytes() == saved

    path.write_bytes(saved.decode("latin-1").encode("utf-8"))  # saved again as UTF-8
    journal = BeancountJournal(app, str(path))
    report = Delivery(app, journal, name="ledger-again").run()
    assert report.caught_up
    again = path.read_text(encoding="utf-8")
    assert NOTE in again
    load_ok(again)
    app.close()
