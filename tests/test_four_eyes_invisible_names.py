"""Four eyes, however the names are typed.

Billy drafts an invoice. It takes two approvals, and billy may give only one of them: the other
is someone else's. He tried to be that someone else by typing a name no one can see: a
zero-width space alone, a Hangul filler (U+3164, which Python does not count as a space), or
his own name with a combining grapheme joiner (U+034F) after it. The first was read as nobody
by ``person_key`` but let through as an actor (``" ".strip()`` does not see it), the others as
a second person: billy drafted, approved both roles and issued the invoice alone.

Now a name made of invisible characters only is no one, refused as the actor of anything
(``InvalidValue`` naming ``actor``, nothing recorded), and ``person_key`` drops every default
ignorable character (Unicode's Default_Ignorable_Code_Point, and the format characters it
dropped before), so ``billy`` with any of them pasted in is billy.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import (
    ApprovalRefused,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
    person_key,
)
from q2c_core.domain.values import _INVISIBLE_RANGES

DAY = date(2024, 3, 1)

# invisible characters a name can carry, of every kind the table holds
INVISIBLE = [
    "\u200b",  # zero-width space (format, Cf)
    "\u2060",  # word joiner (Cf)
    "\u00ad",  # soft hyphen (Cf)
    "\u034f",  # combining grapheme joiner (a mark, Mn)
    "\u115f",  # Hangul choseong filler (a letter, Lo)
    "\u1160",  # Hangul jungseong filler
    "\u3164",  # Hangul filler
    "\uffa0",  # half-width Hangul filler
    "\u17b4",  # Khmer inherent vowel
    "\u180b",  # Mongolian free variation selector
    "\ufe0f",  # variation selector 16
    "\U000e0041",  # tag letter A
    "\U000e0100",  # variation selector 17
]


def _billys_invoice() -> tuple[QuoteToCash, object]:
    app = QuoteToCash.open("memory:")
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    line = InvoiceLine(
        "L1",
        "consulting",
        Decimal(1),
        Money.of(50000, "EUR"),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=DAY, actor="billy")
    return app, invoice


@pytest.mark.parametrize(
    "nobody", ["\u200b", "\u2060\u200b", "\u3164", "\u115f\u1160", "\ufe0f", " \u034f "]
)
def test_a_name_of_invisible_characters_only_approves_nothing(nobody: str) -> None:
    app, invoice = _billys_invoice()
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.approve_invoice(invoice, role="billing", approved_on=DAY, actor=nobody)
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).approvals == []  # type: ignore[arg-type]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_billy_with_an_invisible_character_pasted_in_is_still_billy(mark: str) -> None:
    app, invoice = _billys_invoice()
    app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor="billy")
    before = app.recorder.max_notification_id()
    for alias in (f"billy{mark}", f"bil{mark}ly", f"{mark}Billy"):
        with pytest.raises(ApprovalRefused) as refused:
            app.approve_invoice(invoice, role="billing", approved_on=DAY, actor=alias)
        assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == before


def test_the_drafter_approves_once_and_someone_else_the_other_role() -> None:
    app, invoice = _billys_invoice()
    app.approve_invoice(invoice, role="account_manager", approved_on=DAY, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=DAY, actor="Bea\u200b")
    assert app.issue_invoice(invoice, issued_on=DAY, actor="bea")  # type: ignore[arg-type]


@pytest.mark.parametrize("nobody", ["\u3164", "\u034f", "\U000e0020"])
def test_no_one_invisible_records_anything(nobody: str) -> None:
    """The rule holds for every event, not approvals alone: a customer registered by an
    invisible actor would name no one in its history."""
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        app.register_customer("Acme", "EUR", account_manager="mia", actor=nobody)
    assert refused.value.field == "actor"
    assert not app.recorder.max_notification_id()


def _invisible_chars() -> st.SearchStrategy[str]:
    return st.sampled_from(_INVISIBLE_RANGES).flatmap(lambda r: st.integers(r[0], r[1]).map(chr))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.lists(st.tuples(st.integers(0, 12), _invisible_chars())))
def test_invisible_characters_anywhere_in_a_name_change_no_one(
    name: str, inserted: list[tuple[int, str]]
) -> None:
    typed = name
    for at, ch in inserted:
        typed = typed[:at] + ch + typed[at:]
    assert person_key(typed) == person_key(name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_plain_ascii_takes_the_short_way_to_the_same_key(name: str) -> None:
    """ASCII names skip normalising (replays read many): what the long way reads them as."""
    assert person_key(name) == " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _table() -> set[int]:
    return {c for a, b in _INVISIBLE_RANGES for c in range(a, b + 1)}


def test_the_table_drops_every_default_ignorable_and_format_character() -> None:
    table = _table()
    every = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    # every format character this Python knows, which person_key always dropped
    assert {c for c in every if unicodedata.category(chr(c)) == "Cf"} <= table
    # NFKC makes none of them out of a character kept (so dropping them first is enough)
    for c in every:
        if c not in table and unicodedata.decomposition(chr(c)):
            assert not {ord(x) for x in unicodedata.normalize("NFKC", chr(c))} & table
    regex = pytest.importorskip("regex")
    text = "".join(map(chr, every))
    ignorable = {ord(ch) for ch in regex.findall(r"\p{Default_Ignorable_Code_Point}", text)}
    assert ignorable <= table
    assert table - ignorable <= {c for c in every if unicodedata.category(chr(c)) in ("Cf", "Cn")}
