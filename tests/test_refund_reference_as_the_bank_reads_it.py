"""A refund's reference is the bank's payment order: the same order given again is a retry and
pays nothing twice, however the reference was typed. Text pasted from a file or a web page
carries characters no one sees (a byte order mark, a zero-width space) and forms that read the
same (full-width letters): those are the same reference too, and a reference of invisible
characters only names no refund at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_contract_billing import customer

from q2c_core import (
    DuplicateEntry,
    InvalidValue,
    Money,
    QuoteToCash,
    RefundInstruction,
    refund_reference_key,
)

APRIL_4 = date(2024, 4, 4)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_with_credit(app: QuoteToCash) -> UUID:
    """Acme paid 300.00 that no invoice took: its credit."""
    acme = customer(app)
    app.receive_payment(acme, eur(300), received_on=date(2024, 4, 1), reference="p", actor="a")
    return acme


@pytest.mark.parametrize(
    "retyped",
    [
        "\ufeffRF-2024-0042",  # the first cell of a CSV export, with its byte order mark
        "RF-2024-0042\u200b",  # a zero-width space copied from a web page
        "RF\u2060-2024-0042",  # a word joiner
        "ＲＦ－２０２４－００４２",  # full width, as an East Asian input method types it
    ],
    ids=["byte order mark", "zero-width space", "word joiner", "full width"],
)
def test_a_retry_with_the_reference_pasted_from_a_file_pays_nothing_twice(
    tmp_path: Path, retyped: str
) -> None:
    """Bea refunds Acme 100.00 under the bank's order RF-2024-0042 on 4 April; the same
    instruction comes again with the reference as a file or another keyboard wrote it. It is
    the refund made (recorded False, the same refund ids): Acme's credit stays 200.00. It was
    a second payout of 100.00 under what the bank shows as the same reference."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = acme_with_credit(app)
    first = app.instruct_refund(
        acme, eur(100), refunded_on=APRIL_4, reference="RF-2024-0042", actor="bea"
    )
    head = app.recorder.max_notification_id()
    again = app.instruct_refund(acme, eur(100), refunded_on=APRIL_4, reference=retyped, actor="bea")
    assert (again.refund_ids, again.recorded) == (first.refund_ids, False)
    assert app.recorder.max_notification_id() == head
    assert app.customer_credit(acme) == eur(200)
    # and under another customer it is the same order, refused
    other = customer(app, "Initech")
    app.receive_payment(other, eur(300), received_on=date(2024, 4, 1), reference="i", actor="a")
    head = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.instruct_refund(other, eur(100), refunded_on=APRIL_4, reference=retyped, actor="bea")
    assert refused.value.field == "reference"
    assert app.recorder.max_notification_id() == head
    app.close()


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u3164", "\u2800 \u200d"])
def test_a_reference_of_invisible_characters_only_is_refused(
    app: QuoteToCash, invisible: str
) -> None:
    """A reference no one can see names no payment order, and cannot stop a retry paying
    twice: InvalidValue naming ``reference``, nothing recorded (it was recorded as given)."""
    acme = acme_with_credit(app)
    head = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.instruct_refund(acme, eur(100), refunded_on=APRIL_4, reference=invisible, actor="bea")
    assert refused.value.field == "reference"
    assert app.recorder.max_notification_id() == head
    assert app.customer_credit(acme) == eur(300)


def test_a_refund_recorded_under_its_reference_as_typed_then_is_still_its_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refund recorded before q2c read references as the bank does kept its instruction
    under the reference spaced and capitals aside only ("ｏｕｔ-9" in full width). The same
    instruction given again is still that refund, and another refund under the reference is
    still refused."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = acme_with_credit(app)

    def as_kept_before(reference: str, **_: object) -> UUID:
        from q2c_core.domain.values import named_id

        return named_id("refund-instruction", " ".join(reference.split()).casefold())

    with monkeypatch.context() as before:
        before.setattr(RefundInstruction, "create_id", staticmethod(as_kept_before))
        first = app.instruct_refund(
            acme, eur(100), refunded_on=APRIL_4, reference="ＯＵＴ-9", actor="bea"
        )
    assert refund_reference_key("ＯＵＴ-9") == "out-9"
    head = app.recorder.max_notification_id()
    again = app.instruct_refund(
        acme, eur(100), refunded_on=APRIL_4, reference="ＯＵＴ-9", actor="bea"
    )
    assert (again.refund_ids, again.recorded) == (first.refund_ids, False)
    with pytest.raises(DuplicateEntry):
        app.instruct_refund(acme, eur(50), refunded_on=APRIL_4, reference="ＯＵＴ-9", actor="bea")
    assert app.recorder.max_notification_id() == head
    assert app.customer_credit(acme) == eur(200)
    app.close()
