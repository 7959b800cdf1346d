"""Whatever the order of the clerk's receipts by hand and the bank's statements, each transfer
counts once.

Acme sends two transfers of 119.00 (TR-1 on 2 April, TR-2 on 4 April). Clara enters some by
hand, before or after the statement, under the bank's reference, under one of her own, in
another amount or currency, or days later; the bank's statements come as camt.053 or as a CSV
export of the same account (with or without the bank's reference, from Acme or from a payer
the books do not know), some imported twice; a person settles what waits in suspense as the
receipt entered by hand it names, as other money, or assigns an unknown payer's to Acme; the
bank takes transfers back and Clara bounces receipts by hand. The property is checked on a
real SQLite file.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, eur

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import CreditStatus, Money, QuoteToCash, SuspenseReason
from q2c_core.domain.errors import Q2CError
from q2c_core.domain.payment import receipt_key

TRANSFERS = (
    ("TR-1", "119.00", date(2024, 4, 2)),
    ("TR-2", "119.00", date(2024, 4, 4)),
)
END = date(2024, 5, 31)
CSV_HEADER = "date,amount,currency,remittance,name,iban,reference,account\n"

# how Clara enters a transfer by hand: under the bank's reference (a day early, the phone
# call), under one of her own, under the bank's reference in another amount, under her own
# ten days later (no longer near the bank's day), or in another currency
HAND = ("bank_ref", "own_ref", "other_amount", "late", "other_currency")

step = st.one_of(
    st.tuples(st.just("hand"), st.integers(0, 1), st.sampled_from(HAND)),
    st.tuples(
        st.just("import"),
        st.frozensets(st.integers(0, 1), min_size=1),
        st.sampled_from(("camt", "csv", "csv_without_reference", "camt_of_an_unknown_payer")),
    ),
    st.tuples(st.just("again"), st.integers(0, 3), st.just("")),
    st.tuples(st.just("resolve"), st.integers(0, 3), st.sampled_from(("match", "new"))),
    st.tuples(st.just("assign"), st.integers(0, 3), st.just("")),
    st.tuples(st.just("reverse"), st.integers(0, 1), st.just("")),
    st.tuples(st.just("bounce"), st.integers(0, 3), st.just("")),
)


def camt(transfers: frozenset[int], payer: str = "Acme GmbH") -> bytes:
    lines = [
        entry(f"{day}", CREDIT, amount, ref, payer, "thanks")
        for i, (ref, amount, day) in enumerate(TRANSFERS)
        if i in transfers
    ]
    return statement("2024-04-05", *lines)


def csv(transfers: frozenset[int], with_reference: bool = True) -> bytes:
    rows = [
        f"{day},{amount},EUR,thanks,Acme GmbH,{PAYER},{ref if with_reference else ''},{OURS}\n"
        for i, (ref, amount, day) in enumerate(TRANSFERS)
        if i in transfers
    ]
    return (CSV_HEADER + "".join(rows)).encode()


def live(app: QuoteToCash, payment_id: UUID) -> bool:
    return not app.payment(payment_id).is_bounced


def check_each_transfer_counts_once(app: QuoteToCash, acme: UUID) -> None:
    credits = app.bank_credits()
    payments = [app.payment(p) for p in app.customer(acme).payment_ids]
    of_credits = [c.payment_id for c in credits if c.payment_id is not None]
    # a payment is at most one bank credit's
    assert len(of_credits) == len(set(of_credits))
    # money the bank holds: not returned, nor taken back, nor its payment bounced by hand (the
    # clerk saying it never came: the bank's reversal is awaited, as before receipts by hand)
    held = [
        c
        for c in credits
        if c.status is not CreditStatus.RETURNED
        and c.reversed_on is None
        and (c.payment_id is None or live(app, c.payment_id))
    ]
    bank_money = sum((c.credit.amount.amount for c in held), Decimal(0))
    by_hand_only = [p for p in payments if p.id not in of_credits and not p.is_bounced]
    # money the bank holds plus money only the clerk knows of ...
    known = bank_money + sum((p.amount.amount for p in by_hand_only), Decimal(0))
    # ... is in the customer's live payments or nobody's in suspense, each once
    in_payments = sum((p.amount.amount for p in payments if not p.is_bounced), Decimal(0))
    in_suspense = sum(
        (c.suspense_amount(END).amount for c in app.bank_suspense(as_of=END)), Decimal(0)
    )
    waiting = sum(
        (
            c.credit.amount.amount
            for c in held
            if c.payment_id is None and c.status is not CreditStatus.RESOLVED
        ),
        Decimal(0),
    )
    assert in_payments + in_suspense == known, (in_payments, in_suspense, known)
    assert in_suspense >= waiting
    # a matched credit has its payment's money
    for c in credits:
        if c.matched_to_payment_by_hand:
            assert c.payment_id is not None
            assert app.payment(c.payment_id).amount == c.credit.amount
    # never both: a live receipt by hand under the bank's reference of a credit the bank
    # holds in its amount, and that credit's money counted as the customer's apart from it
    # (an unknown payer's waits for a person, who cannot assign it as new money)
    # (Clara entering one transfer twice by hand before the statement came is her own double
    # entry: the statement matches one of them, the other stays hers to bounce)
    for c in held:
        if c.payment_id is None:
            continue
        twin = [
            p
            for p in by_hand_only
            if receipt_key(p.reference) == receipt_key(c.credit.bank_reference)
            and p.amount == c.credit.amount
            and not (c.matched_to_payment_by_hand and p.created_on < c.created_on)
        ]
        assert not twin, (c.credit.bank_reference, twin)
    # the customer's summary says the same: what paid the invoice plus the credit left
    summary = app.customer_summary(acme)
    paid = summary.invoiced.amount - summary.open.amount
    euros = sum(
        (p.amount.amount for p in payments if not p.is_bounced and p.amount.currency == "EUR"),
        Decimal(0),
    )
    assert paid + summary.credit.amount == euros, (paid, summary.credit, euros)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=8))
# an unknown payer's credit under the reference of Clara's receipt, assigned to Acme
@example(
    steps=[
        ("hand", 0, "bank_ref"),
        ("import", frozenset([0]), "camt_of_an_unknown_payer"),
        ("assign", 0, ""),
    ]
)
# the CSV export without the reference first, the camt.053 naming it, then Clara's receipt
@example(
    steps=[
        ("import", frozenset([0]), "csv_without_reference"),
        ("import", frozenset([0]), "camt"),
        ("hand", 0, "bank_ref"),
    ]
)
def test_each_transfer_counts_once_whatever_the_order(
    steps: list[tuple[str, object, object]],
) -> None:
    """Invariant: after any interleaving of receipts entered by hand, statement imports (camt
    or CSV, with or without the bank's reference, from Acme or a payer the books do not know,
    some twice), resolutions (as the receipt, as other money, an unknown payer's assigned to
    Acme), bank reversals and bounces by hand, the money of Acme's
    live payments plus the money nobody's in suspense equals the money the bank still holds
    plus the money only the clerk knows of (receipts matched to no bank credit), each
    transfer once; no payment is two credits'; no live receipt under a held credit's bank
    reference and amount is counted apart from it; the summary agrees; and a refused step
    records nothing."""
    with TemporaryDirectory() as tmp:
        app = QuoteToCash.open(f"sqlite:///{Path(tmp) / 'q2c.db'}")
        try:
            acme, _invoice = acme_with_invoice(app)
            bank = BankStatementImporter(app, today=END)
            imported: list[tuple[bytes, str]] = []
            for kind, a, b in steps:
                before = app.recorder.max_notification_id()
                try:
                    run(app, bank, acme, imported, kind, a, b)
                except Q2CError:
                    assert app.recorder.max_notification_id() == before, (kind, a, b)
                check_each_transfer_counts_once(app, acme)
        finally:
            app.close()


def run(
    app: QuoteToCash,
    bank: BankStatementImporter,
    acme: UUID,
    imported: list[tuple[bytes, str]],
    kind: str,
    a: object,
    b: object,
) -> None:
    if kind == "hand":
        assert isinstance(a, int)
        ref, amount, day = TRANSFERS[a]
        money, on = eur(amount), day
        if b == "bank_ref":
            on = day - timedelta(days=1)
        elif b == "own_ref":
            ref = f"CLARA-{a}"
        elif b == "other_amount":
            money = eur(str(Decimal(amount) + 1))
        elif b == "late":
            ref, on = f"CLARA-LATE-{a}", day + timedelta(days=10)
        else:
            money = Money.of(amount, "USD")
        app.receive_payment(acme, money, received_on=on, reference=ref, actor="clara")
    elif kind == "import":
        assert isinstance(a, frozenset)
        data = {
            "camt": (camt(a), "s.xml"),
            "csv": (csv(a), "s.csv"),
            "csv_without_reference": (csv(a, with_reference=False), "s.csv"),
            "camt_of_an_unknown_payer": (camt(a, payer="ACME HOLDING"), "s.xml"),
        }[str(b)]
        imported.append(data)
        bank.import_bytes(data[0], data[1], actor="bank")
    elif kind == "again" and imported:
        assert isinstance(a, int)
        data, name = imported[a % len(imported)]
        before = app.recorder.max_notification_id()
        report = bank.import_bytes(data, name, actor="bank")
        assert report.already_imported
        assert app.recorder.max_notification_id() == before
    elif kind == "resolve":
        assert isinstance(a, int)
        waiting = [
            c
            for c in app.bank_suspense()
            if c.suspense_reason is SuspenseReason.MAYBE_RECORDED_BY_HAND
            and c.status is CreditStatus.SUSPENDED
        ]
        if waiting:
            credit = waiting[a % len(waiting)]
            on = date(2024, 4, 20)
            if b == "match":
                app.resolve_bank_credit(
                    credit.id, resolved_on=on, actor="ana", payment_id=credit.maybe_payment_id
                )
            else:
                app.resolve_bank_credit(credit.id, resolved_on=on, actor="ana", customer_id=acme)
    elif kind == "assign":
        assert isinstance(a, int)
        unknown = [
            c
            for c in app.bank_suspense()
            if c.customer_id is None and c.status is CreditStatus.SUSPENDED
        ]
        if unknown:
            credit = unknown[a % len(unknown)]
            app.resolve_bank_credit(
                credit.id, resolved_on=date(2024, 4, 20), actor="ana", customer_id=acme
            )
    elif kind == "reverse":
        assert isinstance(a, int)
        ref, amount, _day = TRANSFERS[a]
        back = entry("2024-04-25", REVERSAL, amount, ref, "Acme GmbH", "thanks")
        bank.import_bytes(statement("2024-04-25", back), f"back{a}.xml", actor="bank")
    elif kind == "bounce":
        assert isinstance(a, int)
        held = [p for p in app.customer(acme).payment_ids if live(app, p)]
        if held:
            app.bounce_payment(
                held[a % len(held)], bounced_on=date(2024, 4, 22), reason="nsf", actor="clara"
            )
