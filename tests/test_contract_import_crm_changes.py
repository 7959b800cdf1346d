"""What a CRM export says after the clerk or the CRM changed a contract: a site moved to another
master contract is billed by one contract on every day, never by both; a sub-contract repriced
by command is imported at the price in force; one customer written two ways is one customer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_adapters.importers import ContractImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

A = "crm"
HEADER = (
    "contract;customer;currency;term_start;term_end;frequency;status;"
    "sub_id;description;kind;effective_from;effective_to;annual_price\n"
)


def row(
    contract: str,
    sub: str,
    start: str,
    price: str,
    *,
    end: str = "",
    customer: str = "Acme GmbH",
    description: str = "",
) -> str:
    text = description or f"{sub} text"
    return (
        f"{contract};{customer};EUR;2024-01-01;2024-12-31;monthly;active;"
        f"{sub};{text};site;{start};{end};{price}\n"
    )


def export(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def app() -> QuoteToCash:
    return QuoteToCash.open("memory:")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)


def contract_numbered(app: QuoteToCash, customer: UUID, number: str) -> UUID:
    (found,) = [c for c in app.customer(customer).contract_ids if app.contract(c).number == number]
    return found


def live_price_of(app: QuoteToCash, customer: UUID, sub_id: str, day: date) -> Decimal:
    """What every contract of the customer charges a year for ``sub_id`` on ``day``."""
    total = Decimal(0)
    for cid in app.customer(customer).contract_ids:
        sub = app.contract(cid).sub_contracts.get(sub_id)
        if sub is not None and sub.is_active_on(day):
            total += sub.price_on(day).amount
    return total


def first_export(app: QuoteToCash) -> ContractImporter:
    importer = ContractImporter(app)
    importer.import_bytes(
        export(
            row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
            row("MC-1", "SITE-B", "2024-01-01", "600.00"),
            row("MC-2", "HW-1", "2024-01-01", "2400.00"),
        ),
        "v1.csv",
        actor=A,
    )
    return importer


# -- a site moved to another master contract ----------------------------------------------------


def test_a_site_the_crm_moved_to_another_contract_is_billed_by_one_contract_on_every_day(
    app: QuoteToCash,
) -> None:
    """SITE-B (600.00 a year, monthly) moves from MC-1 to MC-2 on 1 April. The next export lists
    it under MC-2 from 2024-04-01 and no longer under MC-1. It was added to MC-2 and left
    open-ended on MC-1: from April both billed it, 1,200 a year. It is now recorded as the
    move ``reassign_sub_contract`` records: MC-1 bills it to 31 March, MC-2 from 1 April."""
    customer = acme(app)
    importer = first_export(app)
    importer.import_bytes(
        export(
            row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
            row("MC-2", "HW-1", "2024-01-01", "2400.00"),
            row("MC-2", "SITE-B", "2024-04-01", "600.00"),
        ),
        "v2.csv",
        actor=A,
    )
    mc1 = contract_numbered(app, customer, "MC-1")
    mc2 = contract_numbered(app, customer, "MC-2")
    left = app.contract(mc1).sub_contracts["SITE-B"]
    arrived = app.contract(mc2).sub_contracts["SITE-B"]
    assert (left.effective_to, left.reassigned_to) == (date(2024, 4, 1), mc2)
    assert (arrived.effective_from, arrived.effective_to) == (date(2024, 4, 1), None)
    for day in (date(2024, 3, 31), date(2024, 4, 1), date(2024, 4, 15), date(2024, 12, 31)):
        assert live_price_of(app, customer, "SITE-B", day) == Decimal("600.00"), day

    run = app.run_billing(date(2024, 12, 31), actor="run")
    site_lines = [
        line.net
        for iid in run.invoice_ids
        for line in app.invoice(iid).lines
        if "[SITE-B]" in line.description
    ]
    assert sum(site_lines, eur("0")) == eur("600.00")

    # the same export again is the same file, and a re-export listing the site where it is now
    # (under MC-2 from 1 April) is what is recorded
    again = importer.import_bytes(
        export(
            row("MC-2", "SITE-B", "2024-04-01", "600.00"),
            row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
            row("MC-2", "HW-1", "2024-01-01", "2400.00"),
        ),
        "v3.csv",
        actor=A,
    )
    assert (again.recorded, again.skipped) == (0, 3)


def test_a_site_on_another_contract_the_export_does_not_show_needs_attention(
    app: QuoteToCash,
) -> None:
    """An export listing SITE-B under MC-2 but not MC-1 at all does not say SITE-B left MC-1
    (an id is its contract's own: it may be another site): recorded on MC-2, MC-1's left as
    it is, and the report names it as needing attention, with the command that moves it."""
    customer = acme(app)
    importer = first_export(app)
    report = importer.import_bytes(
        export(row("MC-2", "SITE-B", "2024-04-01", "600.00")), "v2.csv", actor=A
    )
    # (and HW-1, which this export of MC-2 no longer lists)
    (attention,) = [a for a in report.needs_attention if a.sub_id == "SITE-B"]
    mc1 = contract_numbered(app, customer, "MC-1")
    mc2 = contract_numbered(app, customer, "MC-2")
    assert (attention.contract_id, attention.sub_id) == (mc2, "SITE-B")
    assert "MC-1" in attention.rule and "reassign_sub_contract" in attention.rule
    assert app.contract(mc1).sub_contracts["SITE-B"].effective_to is None
    assert "SITE-B" in app.contract(mc2).sub_contracts


def test_one_id_on_two_contracts_of_one_export_is_two_sites(app: QuoteToCash) -> None:
    """A file that gives S1 under MC-1 and under MC-2 (each contract numbering its lines)
    records two sub-contracts, one on each, and needs no attention."""
    customer = acme(app)
    report = ContractImporter(app).import_bytes(
        export(
            row("MC-1", "S1", "2024-01-01", "600.00"),
            row("MC-2", "S1", "2024-04-01", "900.00"),
        ),
        "v1.csv",
        actor=A,
    )
    assert report.needs_attention == ()
    for number, price in (("MC-1", "600.00"), ("MC-2", "900.00")):
        held = app.contract(contract_numbered(app, customer, number)).sub_contracts["S1"]
        assert held.effective_to is None and held.price_on(date(2024, 6, 1)) == eur(price)


def test_a_site_the_export_ends_on_one_contract_and_starts_on_another_is_billed_once(
    app: QuoteToCash,
) -> None:
    """The CRM ending SITE-B on MC-1 on the day it starts on MC-2 leaves no day twice: the
    export is recorded as it says, whichever row comes first."""
    customer = acme(app)
    first_export(app).import_bytes(
        export(
            row("MC-2", "SITE-B", "2024-04-01", "600.00"),
            row("MC-1", "SITE-B", "2024-01-01", "600.00", end="2024-03-31"),
        ),
        "v2.csv",
        actor=A,
    )
    for day in (date(2024, 3, 31), date(2024, 4, 1)):
        assert live_price_of(app, customer, "SITE-B", day) == Decimal("600.00")


# -- a sub-contract repriced by command -----------------------------------------------------------


def test_an_export_at_the_price_in_force_is_what_is_recorded_after_a_reprice(
    app: QuoteToCash,
) -> None:
    """ERP-1 is imported at 1,200.00 a year; the price rises to 1,500.00 from 1 June, recorded
    by command as the import's refusal advises. The CRM's export of 15 July shows 1,500.00: it
    was refused (compared with the first price, 1,200.00) while the stale 1,200.00 was skipped
    as recorded. The column carries the price in force on the import's day: 1,500.00 is what
    is recorded, 1,200.00 is refused saying which price the column must carry."""
    customer = acme(app)
    ContractImporter(app, today=date(2024, 1, 5)).import_bytes(
        export(row("MC-1", "ERP-1", "2024-01-01", "1200.00")), "v1.csv", actor=A
    )
    mc1 = contract_numbered(app, customer, "MC-1")
    app.reprice_sub_contract(
        mc1, "ERP-1", effective=date(2024, 6, 1), annual_price=eur("1500.00"), actor=A
    )
    july = ContractImporter(app, today=date(2024, 7, 15))
    report = july.import_bytes(
        export(row("MC-1", "ERP-1", "2024-01-01", "1500.00")), "v2.csv", actor=A
    )
    assert (report.recorded, report.skipped) == (0, 1)

    with pytest.raises(ImportRejected) as refused:
        # (the export of January as it was, saved again: another file)
        stale = export(row("MC-1", "ERP-1", "2024-01-01", "1200.00")) + b"\n"
        july.import_bytes(stale, "v3.csv", actor=A)
    (problem,) = refused.value.problems
    assert problem.field == "annual_price"
    assert "in force on 2024-07-15" in problem.rule and "1,500.00 EUR" in problem.rule

    # an export of May, before the new price, still shows the price in force then
    may = ContractImporter(app, today=date(2024, 5, 20))
    report = may.import_bytes(
        export(row("MC-1", "ERP-1", "2024-01-01", "1200.00")) + b"\n\n", "v4.csv", actor=A
    )
    assert (report.recorded, report.skipped) == (0, 1)


def test_an_export_after_an_evergreen_renewal_shows_the_uplifted_price(app: QuoteToCash) -> None:
    """An evergreen contract renewed on 1 January 2025 with a 10 % uplift: ERP-1 costs 1,320.00
    a year from then. An export of February 2025 at 1,320.00 is what is recorded, whether the
    billing run has recorded the renewal yet or not; at 1,200.00 it is refused."""
    customer = acme(app)
    text = (
        "contract;customer;currency;term_start;term_end;frequency;status;auto_renew;"
        "renewal_uplift;sub_id;description;kind;effective_from;annual_price\n"
        "MC-1;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;active;yes;10;"
        "ERP-1;ERP-1 text;licence;2024-01-01;{price}\n"
    )
    ContractImporter(app, today=date(2024, 1, 5)).import_bytes(
        text.format(price="1200.00").encode(), "v1.csv", actor=A
    )
    february = ContractImporter(app, today=date(2025, 2, 10))
    report = february.import_bytes(text.format(price="1320.00").encode(), "v2.csv", actor=A)
    assert (report.recorded, report.skipped) == (0, 1)
    app.run_billing(date(2025, 2, 10), actor="run")
    mc1 = contract_numbered(app, customer, "MC-1")
    assert app.contract(mc1).sub_contracts["ERP-1"].price_on(date(2025, 2, 10)) == eur("1320.00")
    report = february.import_bytes(
        text.format(price="1320.00").replace("ERP-1 text", "ERP-1 licence").encode(),
        "v3.csv",
        actor=A,
    )
    assert (report.recorded, report.skipped, report.corrected) == (0, 1, 1)
    with pytest.raises(ImportRejected) as refused:
        february.import_bytes(text.format(price="1200.00").encode() + b"\n", "v4.csv", actor=A)
    assert [p.field for p in refused.value.problems] == ["annual_price"]


# -- one customer written two ways ----------------------------------------------------------------


@pytest.mark.parametrize("written", ["id", "ACME  GMBH"])
def test_rows_naming_one_customer_two_ways_are_one_contract(app: QuoteToCash, written: str) -> None:
    """The customer column takes a customer's id or its name, case and spaces aside. Two rows of
    MC-1, one naming Acme GmbH by name and one by id (or as ``ACME  GMBH``), were refused as
    'contract MC-1 has other terms on line 2' though every term is the same: the customer's
    text was compared, not the customer. They sign one contract with both sub-contracts."""
    customer = acme(app)
    other = str(customer) if written == "id" else written
    report = ContractImporter(app).import_bytes(
        export(
            row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
            row("MC-1", "SITE-B", "2024-01-01", "600.00", customer=other),
        ),
        "v1.csv",
        actor=A,
    )
    assert report.recorded == 3
    mc1 = contract_numbered(app, customer, "MC-1")
    assert sorted(app.contract(mc1).sub_contracts) == ["ERP-1", "SITE-B"]


def test_rows_of_one_contract_with_another_term_are_refused_naming_that_column(
    app: QuoteToCash,
) -> None:
    """A real difference between two rows of one contract names the column that differs."""
    customer = acme(app)
    second = row("MC-1", "SITE-B", "2024-01-01", "600.00", customer=str(customer))
    with pytest.raises(ImportRejected) as refused:
        ContractImporter(app).import_bytes(
            export(
                row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
                second.replace("2024-12-31;monthly", "2025-06-30;monthly"),
            ),
            "v1.csv",
            actor=A,
        )
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "term_end")
    assert "line 2" in problem.rule
    assert app.customer(customer).contract_ids == []
