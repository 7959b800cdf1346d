"""A run's credit note names each sub-contract as the invoice it credits named it.

The Lyon site (sub-contract L) joined Acme's contract on 10 March and March was billed with a
line "MC-1 / Lyon site [L]". When a sub-contract leaves its contract on the very day it started
there (moved to another contract that day, or the contract terminated on or before that day),
the contract keeps nothing of it. The credit note that takes March's Lyon days back then read
"MC-1 / L [L]": an auditor matching the note to the invoice, or the customer reading it, no
longer saw which site was credited.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from q2c_core import (
    BillingFrequency,
    InvoiceKind,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)

A = "alice"
TERM = Period(date(2024, 1, 1), date(2025, 1, 1))


def site(sub_id: str, description: str, start: date) -> SubContract:
    return SubContract(
        sub_id,
        description,
        SubContractKind.SITE,
        start,
        [PricePoint(start, Money.of(1200, "EUR"))],
    )


def acme(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """(customer, MC-1 with the Paris site and the Lyon site from 10 March, MC-2)."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    ids = []
    for number, subs in (
        ("MC-1", [site("P", "Paris site", TERM.start), site("L", "Lyon site", date(2024, 3, 10))]),
        ("MC-2", [site("B", "Berlin site", TERM.start)]),
    ):
        cid = app.sign_contract(
            cust,
            number=number,
            term=TERM,
            frequency=BillingFrequency.MONTHLY,
            signed_on=TERM.start,
            actor=A,
            sub_contracts=subs,
        )
        app.activate_contract(cid, effective=TERM.start, actor=A)
        ids.append(cid)
    return cust, ids[0], ids[1]


def lyon_lines(app: QuoteToCash, cust: UUID, kind: InvoiceKind, contract_id: UUID) -> list[str]:
    return [
        line.description
        for invoice in app.invoices(cust)
        if invoice.kind is kind
        for line in invoice.lines
        if line.source is not None
        and line.source.contract_id == contract_id
        and line.source.sub_contract_id == "L"
    ]


def test_a_site_moved_away_on_the_day_it_started_is_credited_under_its_name(
    app: QuoteToCash,
) -> None:
    cust, mc1, mc2 = acme(app)
    app.run_billing(date(2024, 3, 1), actor="run")
    [billed] = lyon_lines(app, cust, InvoiceKind.STANDARD, mc1)
    assert billed.startswith("MC-1 / Lyon site [L]: 2024-03-10..2024-03-31")
    app.reassign_sub_contract(mc1, "L", mc2, effective=date(2024, 3, 10), actor=A)
    app.run_billing(date(2024, 3, 15), actor="run")
    [credited] = lyon_lines(app, cust, InvoiceKind.CREDIT_NOTE, mc1)
    assert credited.startswith("MC-1 / Lyon site [L]: 2024-03-10..2024-03-31")
    [moved] = lyon_lines(app, cust, InvoiceKind.STANDARD, mc2)
    assert moved.startswith("MC-2 / Lyon site [L]: 2024-03-10..2024-03-31")


def test_a_contract_terminated_before_a_site_started_credits_it_under_its_name(
    app: QuoteToCash,
) -> None:
    cust, mc1, _ = acme(app)
    app.run_billing(date(2024, 3, 1), actor="run")
    app.terminate_contract(
        mc1, effective=date(2024, 3, 5), reason="closed", actor=A, noticed_on=date(2024, 3, 5)
    )
    app.run_billing(date(2024, 3, 6), actor="run")
    [credited] = lyon_lines(app, cust, InvoiceKind.CREDIT_NOTE, mc1)
    assert credited.startswith("MC-1 / Lyon site [L]: 2024-03-10..2024-03-31")
