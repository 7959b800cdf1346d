"""Customers are listed in alphabetical order as people read it, capitals aside.

Acme Corp was typed "acme corp" by one clerk; Zeta GmbH with a capital. Every customer report
listed "Zeta GmbH" first: ordered by character codes, every capital comes before every small
letter, so a controller looking for Acme at the top found it at the bottom. Names now compare
case aside (``name_order``), the name as typed and then the id breaking ties, the same on every
run."""

from __future__ import annotations

from datetime import date

from test_projections_story import A, authorized_request, issue, work

from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash, TaxRate, name_order
from q2c_core.projections import all_projections, catch_up


def test_name_order_reads_case_aside_then_as_typed() -> None:
    names = ["Zeta GmbH", "acme corp", "Acme Corp", "beta"]
    assert sorted(names, key=name_order) == ["Acme Corp", "acme corp", "beta", "Zeta GmbH"]


def test_every_customer_report_lists_acme_before_zeta(app: QuoteToCash) -> None:
    day = date(2024, 7, 1)
    for name in ("Zeta GmbH", "acme corp"):
        customer = app.register_customer(
            name, "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
        )
        job = authorized_request(app, customer, f"{name} job", date(2024, 5, 1))
        app.log_work(job, work(f"{name[0]}1", date(2024, 5, 2), "4"), actor="bob")
        app.complete_request(job, completed_on=date(2024, 5, 2), actor=A)
        invoice = app.draft_request_invoice(job, drafted_on=date(2024, 5, 3), actor=A)
        issue(app, invoice, date(2024, 5, 3))
        job = authorized_request(app, customer, f"{name} more", date(2024, 5, 6))
        app.log_work(job, work(f"{name[0]}2", date(2024, 5, 7), "2"), actor="bob")
    projections = all_projections()
    catch_up(app, projections)
    for report in ("customers", "statements", "aging", "unbilled-by-customer", "kpis"):
        table = report_table(report, projections, day)
        shown = [cell for row in table.rows for cell in row if cell in ("Zeta GmbH", "acme corp")]
        assert shown and shown[0] == "acme corp", (report, shown)


def test_requests_by_title_and_contracts_by_number_as_people_read_them(app: QuoteToCash) -> None:
    """Unbilled by request listed "Zeta import" before "billing export", and by contract MC-10
    before MC-2; titles now order as names do, numbers as they count."""
    from test_contract_billing import contract, customer, sub

    acme = customer(app)
    for number in ("MC-10", "MC-2"):
        contract(app, acme, number=number, subs=(sub("S1"),))
    for title in ("Zeta import", "billing export"):
        job = authorized_request(app, acme, title, date(2024, 5, 1))
        app.log_work(job, work(f"{title[0]}1", date(2024, 5, 2), "4"), actor="bob")
    projections = all_projections()
    catch_up(app, projections)
    day = date(2024, 5, 10)
    by_request = report_table("unbilled-by-request", projections, day).rows
    assert [row[0] for row in by_request][:2] == ["billing export", "Zeta import"]
    by_contract = report_table("unbilled-by-contract", projections, day).rows
    assert [row[0] for row in by_contract][:2] == ["MC-2", "MC-10"]
