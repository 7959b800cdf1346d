"""A contract import names a sub-contract as needing attention only when something is left to
settle. Found by review, each named though nothing was:

- SITE-B moved (or removed) by command from a later day, and the CRM's export already showing
  it so: "end it with remove_sub_contract", for a sub-contract whose end is recorded;
- a CRM that numbers each year's contract anew (MC-23, MC-24): every site of MC-24 "also live
  on MC-23", though MC-23 did not renew and bills none of 2024;
- an export of master data only (no sub-contract columns): every sub-contract "to be ended",
  1,800.00 a year of live billing for anyone who followed the advice;
- a contract whose term ran out without renewal: a sub-contract of it "still billed".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_adapters.importers import ContractImporter
from q2c_core import ImportReport, QuoteToCash

A = "crm"
HEADER = (
    "contract;customer;currency;term_start;term_end;frequency;status;"
    "sub_id;description;kind;effective_from;effective_to;annual_price\n"
)
Y2023, Y2024 = "2023-01-01;2023-12-31", "2024-01-01;2024-12-31"


def row(contract: str, sub: str, start: str, price: str, term: str = Y2024) -> str:
    return (
        f"{contract};Acme GmbH;EUR;{term};monthly;active;{sub};{sub} text;site;{start};;{price}\n"
    )


def imported(
    app: QuoteToCash, on: date, *rows: str, name: str, header: str = HEADER
) -> ImportReport:
    importer = ContractImporter(app, today=on)
    return importer.import_bytes((header + "".join(rows)).encode(), name, actor=A)


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)


def numbered(app: QuoteToCash, customer: UUID, number: str) -> UUID:
    (found,) = [c for c in app.customer(customer).contract_ids if app.contract(c).number == number]
    return found


def test_a_site_moved_or_removed_by_command_from_a_later_day_needs_no_attention() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    imported(
        app,
        date(2024, 1, 5),
        row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
        row("MC-1", "SITE-B", "2024-01-01", "600.00"),
        row("MC-2", "HW-1", "2024-01-01", "2400.00"),
        name="v1.csv",
    )
    mc1, mc2 = numbered(app, customer, "MC-1"), numbered(app, customer, "MC-2")
    app.reassign_sub_contract(mc1, "SITE-B", mc2, effective=date(2024, 9, 1), actor=A)
    august = imported(
        app,
        date(2024, 8, 5),
        row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
        row("MC-2", "HW-1", "2024-01-01", "2400.00"),
        row("MC-2", "SITE-B", "2024-09-01", "600.00"),
        name="v2.csv",
    )
    assert (august.recorded, august.skipped, august.needs_attention) == (0, 3, ())


def test_a_site_removed_by_command_from_a_later_day_needs_no_attention() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    imported(
        app,
        date(2024, 1, 5),
        row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
        row("MC-1", "SITE-B", "2024-01-01", "600.00"),
        name="v1.csv",
    )
    mc1 = numbered(app, customer, "MC-1")
    app.remove_sub_contract(mc1, "SITE-B", effective_to=date(2024, 6, 30), actor=A)
    april = imported(
        app, date(2024, 4, 2), row("MC-1", "ERP-1", "2024-01-01", "1200.00"), name="v2"
    )
    assert april.needs_attention == ()


def test_each_years_new_contract_number_needs_no_attention_for_last_years_sites() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    imported(
        app, date(2023, 1, 5), row("MC-23", "SITE-B", "2023-01-01", "600.00", Y2023), name="23"
    )
    app.run_billing(date(2023, 12, 31), actor="run")
    report = imported(
        app, date(2024, 1, 5), row("MC-24", "SITE-B", "2024-01-01", "600.00"), name="24"
    )
    assert report.needs_attention == ()
    run = app.run_billing(date(2024, 12, 31), actor="run")
    billed = [app.invoice(i) for i in run.invoice_ids]
    assert {app.contract(i.lines[0].source.contract_id).number for i in billed} == {"MC-24"}
    assert sum((i.net.amount for i in billed), Decimal(0)) == Decimal("600.00")
    assert numbered(app, customer, "MC-23") != numbered(app, customer, "MC-24")


def test_an_export_of_master_data_only_says_nothing_of_sub_contracts() -> None:
    app = QuoteToCash.open("memory:")
    acme(app)
    imported(
        app,
        date(2024, 1, 5),
        row("MC-1", "ERP-1", "2024-01-01", "1200.00"),
        row("MC-1", "SITE-B", "2024-01-01", "600.00"),
        name="v1.csv",
    )
    master = "contract;customer;currency;term_start;term_end;frequency;status\n"
    report = imported(
        app,
        date(2024, 2, 1),
        "MC-1;Acme GmbH;EUR;2024-01-01;2024-12-31;monthly;active\n",
        name="master.csv",
        header=master,
    )
    assert report.needs_attention == ()


def test_a_site_of_a_contract_that_ran_out_needs_no_attention() -> None:
    app = QuoteToCash.open("memory:")
    acme(app)
    imported(
        app,
        date(2023, 1, 5),
        row("MC-23", "SITE-B", "2023-01-01", "600.00", Y2023),
        row("MC-23", "ERP-1", "2023-01-01", "1200.00", Y2023),
        name="v1.csv",
    )
    app.run_billing(date(2023, 12, 31), actor="run")
    report = imported(
        app, date(2024, 2, 5), row("MC-23", "ERP-1", "2023-01-01", "1200.00", Y2023), name="v2"
    )
    assert report.needs_attention == ()
    assert app.run_billing(date(2024, 12, 31), actor="run").invoice_ids == []
