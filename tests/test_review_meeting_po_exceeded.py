"""The review meeting says how much a request's PO covers, and flags work invoiced beyond it.

A customer's accounts payable pays invoices up to the PO and sends back the rest: work billed
beyond the PO is money the vendor will chase for weeks. The review is where the account manager
must see it, before the next invoice goes out.
"""

from __future__ import annotations

from datetime import date

from test_projections_story import authorized_request, eur, work

from q2c_adapters.reports import csv_table, report_table
from q2c_core import QuoteToCash
from q2c_core.projections import CustomerStatement, ReviewItem, ReviewMeeting, catch_up, rebuild
from q2c_core.projections.store import ProjectionStore

JUNE = date(2024, 6, 1)


def _agenda(app: QuoteToCash, on: date = JUNE) -> dict[str, ReviewItem]:
    review = ReviewMeeting()
    catch_up(app, [review])
    return {item.title: item for item in review.items(on)}


def test_work_invoiced_beyond_the_po_is_flagged() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    # a PO for 10 hours (1,000.00); 12 hours are worked and invoiced: 1,200.00 net
    export = authorized_request(app, acme, "Export", date(2024, 3, 1), hours=10)
    app.log_work(export, work("t1", date(2024, 3, 5), "12"), actor="bob")
    # a second request stays inside its PO
    reports = authorized_request(app, acme, "Reports", date(2024, 3, 1), hours=10)
    app.log_work(reports, work("u1", date(2024, 3, 5), "8"), actor="bob")
    # the PO covers it all before anything is invoiced
    before = _agenda(app, date(2024, 3, 6))
    assert before["Export"].po_amount == eur("1000.00")
    assert before["Export"].over_po is False
    for request in (export, reports):
        app.complete_request(request, completed_on=date(2024, 3, 7), actor="alice")
        app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")

    agenda = _agenda(app)
    over = agenda["Export"]
    assert over.invoiced == eur("1200.00")
    assert over.po_amount == eur("1000.00")
    assert over.over_po is True
    inside = agenda["Reports"]
    assert (inside.invoiced, inside.over_po) == (eur("800.00"), False)
    # the agenda of a day before the invoice reads it as it stood then
    assert _agenda(app, date(2024, 3, 7))["Export"].over_po is False


def test_a_request_without_a_po_has_no_po_amount() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    r = app.open_request(acme, "Hotfix", requested_on=date(2024, 4, 3), actor="alice")
    app.import_work(r, work("x1", date(2024, 4, 3), "2"), source="sheet.csv", actor="import")
    # a PO received in May is not on April's agenda
    quoted = authorized_request(app, acme, "Mobile", date(2024, 5, 2), hours=4)
    app.log_work(quoted, work("m1", date(2024, 5, 3), "1"), actor="bob")
    agenda = _agenda(app)
    assert agenda["Hotfix"].po_amount is None
    assert agenda["Hotfix"].over_po is False
    assert agenda["Mobile"].po_amount == eur("400.00")
    assert "Mobile" not in _agenda(app, date(2024, 4, 30))


def test_the_po_amount_is_rebuilt_from_the_events_on_sqlite(tmp_path: object) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/q2c.db")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    export = authorized_request(app, acme, "Export", date(2024, 3, 1), hours=10)
    app.log_work(export, work("t1", date(2024, 3, 5), "11"), actor="bob")
    app.complete_request(export, completed_on=date(2024, 3, 7), actor="alice")
    app.draft_request_invoice(export, drafted_on=date(2024, 3, 8), actor="billy")
    store = ProjectionStore.open(f"sqlite:///{tmp_path}/read.db")
    review = ReviewMeeting(store)
    rebuild(app, [review])
    (item,) = review.items(JUNE)
    assert (item.po_amount, item.invoiced, item.over_po) == (
        eur("1000.00"),
        eur("1100.00"),
        True,
    )
    store.close()
    app.close()


def test_the_review_report_shows_the_po_amount_and_flags_it_exceeded() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    export = authorized_request(app, acme, "Export", date(2024, 3, 1), hours=10)
    app.log_work(export, work("t1", date(2024, 3, 5), "12"), actor="bob")
    app.complete_request(export, completed_on=date(2024, 3, 7), actor="alice")
    app.draft_request_invoice(export, drafted_on=date(2024, 3, 8), actor="billy")
    hotfix = app.open_request(acme, "Hotfix", requested_on=date(2024, 4, 3), actor="alice")
    app.import_work(hotfix, work("x1", date(2024, 4, 3), "2"), source="s.csv", actor="import")
    projections = [ReviewMeeting(), CustomerStatement()]
    catch_up(app, projections)
    table = report_table("review", projections, JUNE)
    header, rows = csv_table("review", table)
    by_title = {row[header.index("request")]: row for row in rows}
    assert by_title["Export"][header.index("covered by")] == "PO EXCEEDED"
    assert by_title["Export"][header.index("PO amount")] == "1000.00"
    assert by_title["Export"][header.index("invoiced")] == "1200.00"
    assert by_title["Hotfix"][header.index("covered by")] == "NO PO"
    assert by_title["Hotfix"][header.index("PO amount")] == ""
    app.close()
