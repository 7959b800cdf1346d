"""A re-price corrected twice before its first correction was issued: issuing the documents
changes no day already reported.

Q1 of a 12,000.00 a year contract is invoiced and issued on 1 January. On 10 February the
price from 1 February is agreed at 24,000.00: the run drafts a credit of February-March and
bills those days again. On 10 March the price from 1 March is agreed at 36,000.00: that run
credits March of the drafted re-billing (it bills those days now) and bills March again.
Issued together on 16 March, the re-billings are earned on their issue day (a correction is
recognised when it is made), so the credit of the re-billing must un-earn its days then too:
it un-earned them as served, taking 989.01 off 15 March, a day already reported, for days the
re-billing it credits had not earned by then."""

from __future__ import annotations

from datetime import date

from test_projections_story import issue
from test_revenue_forecast import bill, eur, signed, sub

from q2c_core import BillingFrequency, InvoiceStatus, Period, QuoteToCash
from q2c_core.projections import RevenueSchedule, catch_up

A = "alice"


def schedule(app: QuoteToCash) -> RevenueSchedule:
    projection = RevenueSchedule()
    catch_up(app, [projection])
    return projection


def test_issuing_a_correction_of_a_drafted_correction_moves_no_day_already_reported() -> None:
    app = QuoteToCash.open("memory:")
    contract = signed(
        app,
        sub("erp", "12000.00"),
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.QUARTERLY,
    )
    bill(app, date(2024, 1, 1))  # Q1, 3,000.00, issued
    app.reprice_sub_contract(
        contract, "erp", effective=date(2024, 2, 1), annual_price=eur("24000.00"), actor=A
    )
    bill(app, date(2024, 2, 10), issue_them=False)
    app.reprice_sub_contract(
        contract, "erp", effective=date(2024, 3, 1), annual_price=eur("36000.00"), actor=A
    )
    bill(app, date(2024, 3, 10), issue_them=False)
    documents = app.invoices(app.contract(contract).customer_id)
    drafts = [d for d in documents if d.status is InvoiceStatus.DRAFT]
    assert len(drafts) == 4  # two credit notes, two re-billings

    reported = schedule(app).recognised(date(2024, 3, 15))
    # the issued Q1 invoice, 75 of its 91 days: the corrections are not issued yet
    assert reported == {"EUR": eur("2472.53")}
    for draft in sorted(drafts, key=lambda d: d.drafted_on):
        issue(app, draft.id, date(2024, 3, 16))

    issued = schedule(app)
    assert issued.recognised(date(2024, 3, 15)) == reported
    # and the year: January at 1,000.00, February at 2,000.00, March to December at 3,000.00 a
    # month (the corrections caught up on 16 March, the rest of the year at the live terms)
    assert issued.recognised(date(2024, 12, 31)) == {"EUR": eur("33000.00")}
