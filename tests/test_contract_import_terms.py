"""A CRM export read against a contract q2c already bills: the current (renewed) term, a site
the CRM adds later, the price column of a new row, and a site the CRM no longer lists.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_cli_imports import q2c

from q2c_adapters.importers import ContractImporter
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected, ImportReport

A = "crm"
HEADER = (
    "contract;customer;currency;term_start;term_end;frequency;status;"
    "sub_id;description;kind;effective_from;effective_to;annual_price\n"
)
EVERGREEN = (
    "contract;customer;currency;term_start;term_end;frequency;status;auto_renew;"
    "renewal_uplift;sub_id;description;kind;effective_from;annual_price\n"
)


def row(sub: str, start: str, price: str, *, term: str = "2024-01-01;2024-12-31") -> str:
    return f"MC-1;Acme GmbH;EUR;{term};monthly;active;{sub};{sub} text;site;{start};;{price}\n"


def evergreen_row(sub: str, start: str, price: str, *, term_end: str = "2024-12-31") -> str:
    return (
        f"MC-1;Acme GmbH;EUR;2024-01-01;{term_end};monthly;active;yes;10;"
        f"{sub};{sub} text;site;{start};{price}\n"
    )


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def app() -> QuoteToCash:
    return QuoteToCash.open("memory:")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)


def imported(
    app: QuoteToCash, on: date, header: str, *rows: str, name: str = "crm.csv"
) -> ImportReport:
    return ContractImporter(app, today=on).import_bytes(
        (header + "".join(rows)).encode(), name, actor=A
    )


def refused(app: QuoteToCash, on: date, header: str, *rows: str) -> list[tuple[str, str]]:
    with pytest.raises(ImportRejected) as caught:
        imported(app, on, header, *rows)
    return [(p.field, p.rule) for p in caught.value.problems]


def billed_for(app: QuoteToCash, customer: UUID, sub_id: str, year: str) -> Money:
    """The net invoiced (less credited) for ``sub_id``'s days in ``year``."""
    total = eur("0")
    for invoice in app.invoices(customer):
        sign = -1 if "CREDIT" in str(invoice.kind).upper() else 1
        for line in invoice.lines:
            if f"[{sub_id}]" in line.description:
                period = line.description.split("]: ")[1]
                if period.startswith(year):
                    total = total + Money(sign * line.net.amount, "EUR")
    return total


def test_a_site_added_to_a_billed_contract_without_its_start_day_is_refused(
    app: QuoteToCash,
) -> None:
    """MC-1 billed through 2024 and renewed to 2025; the CRM's export of 2025-02-10 adds SITE-N
    (600.00 a year) with no item_start. Read as from the term's start it would bill twelve 2024
    months already invoiced: the row is refused naming effective_from, nothing recorded."""
    customer = acme(app)
    imported(app, date(2024, 1, 5), HEADER, row("ERP-1", "2024-01-01", "1200.00"), name="v1")
    (mc1,) = app.customer(customer).contract_ids
    app.run_billing(date(2024, 12, 31), actor="run")
    app.renew_contract(mc1, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A)

    problems = refused(
        app,
        date(2025, 2, 10),
        HEADER,
        row("ERP-1", "2024-01-01", "1200.00", term="2024-01-01;2025-12-31"),
        row("SITE-N", "", "600.00", term="2024-01-01;2025-12-31"),
    )

    assert [field for field, _ in problems] == ["effective_from"]
    assert "SITE-N" in problems[0][1]
    assert "SITE-N" not in app.contract(mc1).sub_contracts
    app.run_billing(date(2025, 2, 10), actor="run")
    assert billed_for(app, customer, "SITE-N", "2024") == eur("0")


def test_a_site_added_mid_term_without_its_start_day_is_refused(app: QuoteToCash) -> None:
    """A site the CRM adds in June with no item_start is not billed from January."""
    acme(app)
    imported(app, date(2024, 1, 5), HEADER, row("ERP-1", "2024-01-01", "1200.00"), name="v1")

    problems = refused(
        app, date(2024, 6, 10), HEADER, row("ERP-1", "", "1200.00"), row("SITE-N", "", "600.00")
    )

    assert [field for field, _ in problems] == ["effective_from"]


def test_a_new_contract_s_sites_start_with_its_term_when_the_export_gives_no_day(
    app: QuoteToCash,
) -> None:
    """For a contract new to q2c the term's start is the start of each site it lists."""
    customer = acme(app)
    imported(app, date(2024, 1, 5), HEADER, row("ERP-1", "", "1200.00"), row("SITE-N", "", "600"))

    (mc1,) = app.customer(customer).contract_ids
    subs = app.contract(mc1).sub_contracts
    assert subs["ERP-1"].effective_from == subs["SITE-N"].effective_from == date(2024, 1, 1)


def test_a_new_site_starting_before_an_uplift_renewal_is_refused_on_its_price(
    app: QuoteToCash,
) -> None:
    """Evergreen MC-1 (+10 % a renewal) lapsed on 2025-01-01. The export of 2025-02-10 adds
    SITE-N from 2024-06-01 at 660.00, the price in force that day: recorded from June at 660.00
    and uplifted, 2025 would be billed at 726.00. What it cost in 2024 the export does not say:
    refused naming annual_price, nothing recorded."""
    customer = acme(app)
    imported(app, date(2024, 1, 5), EVERGREEN, evergreen_row("ERP-1", "2024-01-01", "1200.00"))
    (mc1,) = app.customer(customer).contract_ids

    problems = refused(
        app,
        date(2025, 2, 10),
        EVERGREEN,
        evergreen_row("ERP-1", "2024-01-01", "1320.00"),
        evergreen_row("SITE-N", "2024-06-01", "660.00"),
    )

    assert [field for field, _ in problems] == ["annual_price"]
    assert "2025-01-01" in problems[0][1]
    assert "SITE-N" not in app.contract(mc1).sub_contracts


def test_a_new_site_from_the_current_term_is_billed_at_the_exported_price(
    app: QuoteToCash,
) -> None:
    """Given from the renewed term's start, SITE-N is billed at 660.00, and the same export sent
    again is skipped as recorded."""
    customer = acme(app)
    imported(app, date(2024, 1, 5), EVERGREEN, evergreen_row("ERP-1", "2024-01-01", "1200.00"))
    (mc1,) = app.customer(customer).contract_ids
    rows = (
        evergreen_row("ERP-1", "2024-01-01", "1320.00"),
        evergreen_row("SITE-N", "2025-01-01", "660.00"),
    )
    imported(app, date(2025, 2, 10), EVERGREEN, *rows, name="v2")
    app.run_billing(date(2025, 2, 10), actor="run")

    site = app.contract(mc1).sub_contracts["SITE-N"]
    assert site.price_on(date(2025, 2, 10)) == eur("660.00")
    again = imported(app, date(2025, 2, 10), EVERGREEN, *rows, name="v3")
    assert (again.recorded, again.skipped) == (0, 2)


def test_an_export_giving_the_renewed_term_is_read_as_the_contract(app: QuoteToCash) -> None:
    """MC-1 (2024) renewed by command to 2025: the CRM now shows the current term,
    2025-01-01..2025-12-31, signed on 2024-01-01 or with no signing day. It is the term q2c
    records: skipped as recorded, not refused on term_start for good. Another term still is."""
    customer = acme(app)
    imported(app, date(2024, 1, 5), HEADER, row("ERP-1", "2024-01-01", "1200.00"), name="v1")
    (mc1,) = app.customer(customer).contract_ids
    app.renew_contract(mc1, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A)
    current = "2025-01-01;2025-12-31"
    signed = HEADER.replace("status;", "status;signed_on;")

    report = imported(
        app,
        date(2025, 2, 10),
        signed,
        row("ERP-1", "2024-01-01", "1200.00", term=current).replace(
            "active;", "active;2024-01-01;"
        ),
        name="v2",
    )
    assert (report.recorded, report.skipped) == (0, 1)
    report = imported(app, date(2025, 2, 10), HEADER, row("ERP-1", "", "1200.00", term=current))
    assert (report.recorded, report.skipped) == (0, 1)

    problems = refused(
        app, date(2025, 2, 11), HEADER, row("ERP-1", "", "1200.00", term="2025-01-01;2026-06-30")
    )
    assert [field for field, _ in problems] == ["term_end"]


def test_a_lapsed_evergreen_term_is_read_as_renewed_before_any_run(app: QuoteToCash) -> None:
    """Evergreen MC-1 (+10 %) lapsed on 2025-01-01, no billing run since. The export of
    2025-02-10 gives the term to 2025-12-31 and ERP-1 at 1,320.00, as the run will renew it:
    accepted before the run as after it, whether it shows the term from 2024 or from 2025."""
    acme(app)
    imported(app, date(2024, 1, 5), EVERGREEN, evergreen_row("ERP-1", "2024-01-01", "1200.00"))

    report = imported(
        app,
        date(2025, 2, 10),
        EVERGREEN,
        evergreen_row("ERP-1", "2024-01-01", "1320.00", term_end="2025-12-31"),
        name="v2",
    )
    assert (report.recorded, report.skipped) == (0, 1)
    current = evergreen_row("ERP-1", "2024-01-01", "1320.00", term_end="2025-12-31")
    report = imported(
        app, date(2025, 2, 10), EVERGREEN, current.replace(";2024-01-01;2025", ";2025-01-01;2025")
    )
    assert (report.recorded, report.skipped) == (0, 1)


def test_a_site_the_export_no_longer_lists_needs_attention(app: QuoteToCash) -> None:
    """The CRM deleted SITE-B (600.00 a year) from MC-1; its export of 2024-04-01 lists MC-1 with
    ERP-1 only. It gives no end day, so nothing is recorded for SITE-B, but the report names it
    as needing attention (ended by command, or listed again), never silently billed on."""
    customer = acme(app)
    imported(
        app,
        date(2024, 1, 5),
        HEADER,
        row("ERP-1", "2024-01-01", "1200.00"),
        row("SITE-B", "2024-01-01", "600.00"),
        name="v1",
    )
    (mc1,) = app.customer(customer).contract_ids

    report = imported(app, date(2024, 4, 1), HEADER, row("ERP-1", "2024-01-01", "1200.00"))

    assert (report.recorded, report.skipped) == (0, 1)
    assert app.contract(mc1).sub_contracts["SITE-B"].effective_to is None
    (item,) = report.needs_attention
    assert (item.contract_id, item.contract, item.sub_id) == (mc1, "MC-1", "SITE-B")
    assert "remove_sub_contract" in item.rule

    app.remove_sub_contract(mc1, "SITE-B", effective_to=date(2024, 4, 1), actor=A)
    report = imported(app, date(2024, 4, 2), HEADER, row("ERP-1", "2024-01-01", "1200.00"))
    assert report.needs_attention == ()


def test_a_site_the_export_moves_to_another_contract_needs_no_attention(
    app: QuoteToCash,
) -> None:
    """SITE-B listed under MC-2 and no longer under MC-1 is moved by the import: nothing to do."""
    acme(app)
    imported(
        app,
        date(2024, 1, 5),
        HEADER,
        row("ERP-1", "2024-01-01", "1200.00"),
        row("SITE-B", "2024-01-01", "600.00"),
        name="v1",
    )

    report = imported(
        app,
        date(2024, 4, 1),
        HEADER,
        row("ERP-1", "2024-01-01", "1200.00"),
        row("SITE-B", "2024-04-01", "600.00").replace("MC-1", "MC-2"),
    )

    assert report.needs_attention == ()


def test_the_import_command_prints_what_needs_attention(tmp_path: Path) -> None:
    """``q2c import contracts`` prints the site the export no longer lists, after its counts."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    try:
        acme(app)
        imported(
            app,
            date(2024, 1, 5),
            HEADER,
            row("ERP-1", "2024-01-01", "1200.00"),
            row("SITE-B", "2024-01-01", "600.00"),
        )
    finally:
        app.close()
    export = tmp_path / "crm-april.csv"
    export.write_text(HEADER + row("ERP-1", "2024-01-01", "1200.00"))

    result = q2c(
        "import", "contracts", str(export), "--url", url, "--actor", A, "--today", "2024-04-01"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "  needs attention: contract MC-1, sub-contract SITE-B: listed before, not in this "
        "export: end it with remove_sub_contract or list it"
    )
