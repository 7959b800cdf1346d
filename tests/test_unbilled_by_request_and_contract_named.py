"""The unbilled-by-request and unbilled-by-contract reports name each request by its title and
each contract by its number, with the id beside (what ``q2c explain`` takes). They printed bare
ids, and the total of the items tied to no request (a contract's period due) or to no contract
(a request's work) in a row whose name was empty."""

from __future__ import annotations

from datetime import date

from test_projections_story import A, authorized_request, work

from q2c_adapters.reports import report_table
from q2c_core import (
    BillingFrequency,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.projections import all_projections, catch_up

ON = date(2024, 6, 28)


def test_requests_and_contracts_are_named_and_what_has_neither_says_so() -> None:
    """Acme has 3 hours of "Export to SAP" to bill (300.00) and contract MC-7, 100.00 a month
    billed in advance from 1 June: on 1 July, June and July are due and unbilled (200.00)."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    job = authorized_request(app, acme, "Export to SAP", ON)
    app.log_work(job, work("w1", ON, "3"), actor="bob")
    term = Period(date(2024, 6, 1), date(2025, 6, 1))
    contract = app.sign_contract(
        acme,
        number="MC-7",
        term=term,
        frequency=BillingFrequency.MONTHLY,
        signed_on=term.start,
        actor=A,
        sub_contracts=(
            SubContract(
                "S1",
                "Support",
                SubContractKind.PRODUCT,
                term.start,
                (PricePoint(term.start, Money.of("1200", "EUR")),),
            ),
        ),
    )
    app.activate_contract(contract, effective=term.start, actor=A)
    projections = all_projections()
    catch_up(app, projections)
    day = date(2024, 7, 1)

    by_request = report_table("unbilled-by-request", projections, day)
    assert by_request.columns == ("request", "amount", "request id")
    assert [(r[0], str(r[1]), r[2]) for r in by_request.rows] == [
        ("Export to SAP", "300.00 EUR", job.hex),
        ("(no request)", "200.00 EUR", ""),
    ]
    by_contract = report_table("unbilled-by-contract", projections, day)
    assert by_contract.columns == ("contract", "amount", "contract id")
    assert [(r[0], str(r[1]), r[2]) for r in by_contract.rows] == [
        ("MC-7", "200.00 EUR", contract.hex),
        ("(no contract)", "300.00 EUR", ""),
    ]
