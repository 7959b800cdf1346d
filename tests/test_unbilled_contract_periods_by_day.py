"""Unbilled revenue reads a contract period billed on a day as an invoice holds a request's
work: from the day its invoice was drafted until the day it was voided. So a period billed
tomorrow is due today, and a void recorded later leaves an earlier day's answer as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

from test_projections_story import eur

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.projections import UnbilledRevenue, catch_up, rebuild

MARCH = "2026-03-01..2026-03-31"
APRIL = "2026-04-01..2026-04-30"


def periods_due(app: QuoteToCash, day: date) -> dict[str, str]:
    """The contract periods unbilled revenue lists on ``day`` (followed in small pages and
    rebuilt alike), with their amounts."""
    followed = UnbilledRevenue()
    catch_up(app, [followed], page_size=3)
    rebuilt = UnbilledRevenue()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {i.item_id: str(i.amount.amount) for i in items if i.kind == "contract_period"}


def test_a_period_is_billed_from_its_invoices_draft_day_until_its_void_day(
    tmp_path: Any,
) -> None:
    """Fabrikam's site contract runs from 1 March, 3,650.00 a year billed monthly in advance.
    The first billing run, on 1 April, drafts March's and April's invoices (304.17 each). On
    15 March, March was due (since the 1st) and not billed yet: it is listed, as it was on
    the 15th. On 10 April both are billed. Both invoices are voided on 20 April: from the
    20th both are due again, while 10 April still reads nothing due."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/fabrikam.db")
    fabrikam = app.register_customer("Fabrikam", "EUR", account_manager="mia", actor="mia")
    start = date(2026, 3, 1)
    site = SubContract("s1", "Site 1", SubContractKind.SITE, start, [PricePoint(start, eur(3650))])
    contract = app.sign_contract(
        fabrikam,
        number="K1",
        term=Period(start, date(2027, 3, 1)),
        frequency=BillingFrequency.MONTHLY,
        timing=BillingTiming.IN_ADVANCE,
        signed_on=date(2026, 2, 20),
        actor="mia",
        sub_contracts=[site],
    )
    app.activate_contract(contract, effective=start, actor="mia")
    run = app.run_billing(date(2026, 4, 1), actor="bea")
    invoices = [d.invoice_id for d in run.documents]
    assert len(invoices) == 2

    assert periods_due(app, date(2026, 3, 15)) == {MARCH: "304.17"}
    assert periods_due(app, date(2026, 4, 10)) == {}

    for invoice in invoices:
        app.void_invoice(invoice, reason="wrong site", actor="bea", voided_on=date(2026, 4, 20))

    assert periods_due(app, date(2026, 3, 15)) == {MARCH: "304.17"}
    assert periods_due(app, date(2026, 4, 10)) == {}
    assert periods_due(app, date(2026, 4, 20)) == {MARCH: "304.17", APRIL: "304.17"}
