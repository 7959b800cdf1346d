"""Work from a PSA rated in a currency the request is not billed in.

Acme is billed in EUR. Its PSA's rate card is in USD, and an export for a request nobody
authorized yet came in as unauthorized work rated at 120 USD an hour. q2c recorded it (logged work
in another currency was refused, unauthorized work was not), and from then on the request's
unbilled work and Acme's whole summary failed ("EUR and USD cannot be combined"), for good:
nothing removes recorded work. Such work is refused now, as logged work is, naming
``entry.rate`` (a file's row: its ``rate`` column); and a history that recorded it before still
reads: the EUR figures count the EUR work, the USD summary shows the USD leakage.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.importers.time_entries import TimeEntryImporter
from q2c_core import (
    ZERO_RATED,
    CurrencyMismatch,
    Estimate,
    InvalidTransition,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TimeEntry,
)
from q2c_core.domain.import_batch import ImportRejected

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def usd(amount: str | int) -> Money:
    return Money.of(amount, "USD")


def psa_row(entry_id: str, day: int, hours: str, rate: Money) -> TimeEntry:
    return TimeEntry(entry_id, "bob", date(2024, 3, day), Decimal(hours), rate)


def acme_hotfix(app: QuoteToCash, estimated: bool = True) -> tuple[UUID, UUID]:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(customer, "Hotfix", requested_on=date(2024, 3, 1), actor=A)
    if estimated:
        app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    return customer, request


def test_psa_work_rated_in_usd_on_a_request_estimated_in_eur_is_refused(
    app: QuoteToCash,
) -> None:
    customer, request = acme_hotfix(app)
    app.import_work(request, psa_row("x0", 2, "1", eur(100)), source="psa.csv", actor="import")

    with pytest.raises(CurrencyMismatch) as refused:
        app.import_work(request, psa_row("x1", 3, "2", usd(120)), source="psa.csv", actor="import")

    assert refused.value.field == "entry.rate"
    assert "USD" in str(refused.value) and "EUR" in str(refused.value)
    assert [w.entry.entry_id for w in app.request(request).work] == ["x0"]
    assert app.unbilled_work(request) == eur("100.00")
    assert app.customer_summary(customer).unbilled_work == eur("100.00")


def test_usd_work_on_a_request_not_yet_estimated_is_refused_once_it_has_eur_work(
    app: QuoteToCash,
) -> None:
    """Before the estimate, the request is billed in the currency of the work it holds."""
    customer, request = acme_hotfix(app, estimated=False)
    app.import_work(request, psa_row("x0", 2, "1", eur(100)), source="psa.csv", actor="import")

    with pytest.raises(CurrencyMismatch) as refused:
        app.import_work(request, psa_row("x1", 3, "2", usd(120)), source="psa.csv", actor="import")

    assert refused.value.field == "entry.rate"
    assert len(app.request(request).work) == 1
    assert app.customer_summary(customer).unbilled_work == eur("100.00")


def test_a_request_asked_for_its_customers_currency_refuses_usd_work_before_any_estimate(
    app: QuoteToCash,
) -> None:
    """The caller that knows the customer's currency passes it; nothing is recorded."""
    _, request_id = acme_hotfix(app, estimated=False)
    request = app.request(request_id)

    with pytest.raises(CurrencyMismatch) as refused:
        request.record_unauthorized_work(
            psa_row("x1", 3, "2", usd(120)), "psa.csv", "import", currency="EUR"
        )

    assert refused.value.field == "entry.rate"
    assert request.work == [] and not request.pending_events


def test_usd_work_on_a_request_with_no_estimate_and_no_work_is_refused_in_eur_for_acme(
    app: QuoteToCash,
) -> None:
    """Nothing on the request says its currency yet: Acme's, EUR, is what its work is valued
    in, so the first PSA row rated in USD is refused, by ``import_work`` and by the importer."""
    _, request = acme_hotfix(app, estimated=False)

    with pytest.raises(CurrencyMismatch) as refused:
        app.import_work(request, psa_row("x1", 3, "2", usd(120)), source="psa.csv", actor="import")
    assert refused.value.field == "entry.rate" and "EUR" in str(refused.value)

    export = "id,worker,date,hours,ticket,rate,currency\nx1,bob,2024-03-03,2,T-1,120,USD\n"
    importer = TimeEntryImporter(app, tickets={"T-1": request}, today=date(2024, 3, 10))
    with pytest.raises(ImportRejected) as rejected:
        importer.import_bytes(export.encode(), "psa.csv", actor="psa")
    [problem] = rejected.value.problems
    assert (problem.line, problem.field) == (2, "rate")  # the file's column
    assert app.request(request).work == []

    assert app.import_work(
        request, psa_row("x2", 3, "2", eur(100)), source="psa.csv", actor="import"
    )
    assert app.unbilled_work(request) == eur("200.00")


def test_a_psa_export_with_a_usd_row_for_an_unauthorized_eur_request_is_rejected_whole(
    app: QuoteToCash,
) -> None:
    _, request = acme_hotfix(app)
    export = (
        "id,worker,date,hours,ticket,rate,currency\n"
        "x0,bob,2024-03-02,1,T-1,100,EUR\n"
        "x1,bob,2024-03-03,2,T-1,120,USD\n"
    )
    importer = TimeEntryImporter(app, tickets={"T-1": request}, today=date(2024, 3, 10))

    with pytest.raises(ImportRejected) as rejected:
        importer.import_bytes(export.encode(), "psa.csv", actor="psa")

    [problem] = rejected.value.problems
    assert (problem.line, problem.field) == (3, "rate")  # the file's column
    assert app.request(request).work == []


def test_a_history_that_recorded_usd_work_on_a_eur_request_still_reads(tmp_path: Path) -> None:
    """Recorded before the refusal: the request keeps the USD entry. Its EUR unbilled work and
    Acme's EUR summary count the EUR work only; Acme's USD summary shows the USD leakage."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer, request_id = acme_hotfix(app)
    app.import_work(request_id, psa_row("x0", 2, "1", eur(100)), source="psa.csv", actor="import")
    request = app.request(request_id)
    # as q2c recorded it before the refusal (the event, without the command's check)
    request._unauthorized_work_recorded(psa_row("x1", 3, "2", usd(120)), "psa.csv", "import")
    app.save(request)
    app.close()

    app = QuoteToCash.open(url)
    try:
        assert [w.entry.rate.currency for w in app.request(request_id).work] == ["EUR", "USD"]
        assert app.unbilled_work(request_id) == eur("100.00")
        assert app.unbilled_work(request_id, as_of=date(2024, 3, 31)) == eur("100.00")
        assert app.customer_summary(customer).unbilled_work == eur("100.00")
        on_day = app.customer_summary(customer, as_of=date(2024, 3, 31))
        assert on_day.unbilled_work == eur("100.00")
        in_usd = app.customer_summary(customer, currency="USD")
        assert in_usd.unbilled_work == usd("240.00")
        before = app.customer_summary(customer, as_of=date(2024, 3, 2), currency="USD")
        assert before.unbilled_work == usd("0.00")
    finally:
        app.close()


def test_usd_work_recorded_on_a_request_never_estimated_is_usd_leakage(tmp_path: Path) -> None:
    """The reviewer's second story: no estimate, a USD row kept as unauthorized work."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer, request_id = acme_hotfix(app, estimated=False)
    request = app.request(request_id)
    request._unauthorized_work_recorded(psa_row("x1", 3, "2", usd(120)), "psa.csv", "import")
    app.save(request)
    app.close()

    app = QuoteToCash.open(url)
    try:
        assert app.unbilled_work(request_id) == eur("0")
        assert app.customer_summary(customer).unbilled_work == eur("0.00")
        assert app.customer_summary(customer, currency="USD").unbilled_work == usd("240.00")
    finally:
        app.close()


def test_a_request_estimated_in_usd_over_eur_work_recorded_before_is_invoiced_in_usd(
    tmp_path: Path,
) -> None:
    """Recorded before estimates were refused over work in another currency: 2 hours imported
    unauthorized at 100 EUR, then the request estimated in USD, quoted, ordered (PO 1,000 USD),
    authorized, worked 4 hours at 100 USD and completed. It owes 400 USD, and its invoice bills
    those 400 USD; the EUR hours are left out of it (no USD invoice can hold them) and stay
    recorded, Acme's EUR leakage."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer, request_id = acme_hotfix(app, estimated=False)
    app.import_work(request_id, psa_row("t0", 1, "2", eur(100)), source="psa.csv", actor="import")
    request = app.request(request_id)
    # as q2c recorded it before the refusal (the event, without the command's check)
    request._estimated(Estimate(hours=Decimal(10), rate=usd(100)), A)
    app.save(request)
    app.close()

    app = QuoteToCash.open(url)
    try:
        app.send_quote(request_id, sent_on=date(2024, 3, 2), actor=A)
        app.receive_purchase_order(
            request_id, number="PO-1", amount=usd(1000), received_on=date(2024, 3, 3), actor=A
        )
        app.authorize_work(request_id, authorized_on=date(2024, 3, 4), actor=A)
        app.log_work(request_id, psa_row("t1", 5, "4", usd(100)), actor="bob")
        app.complete_request(request_id, completed_on=date(2024, 3, 6), actor=A)
        assert app.unbilled_work(request_id) == usd("400.00")

        invoice = app.invoice(
            app.draft_request_invoice(request_id, drafted_on=date(2024, 3, 7), actor="billy")
        )

        assert invoice.currency == "USD"
        assert invoice.net == usd("400.00")
        assert [line.source.time_entry_ids for line in invoice.lines if line.source] == [("t1",)]
        after = app.request(request_id)
        assert set(after.billed) == {"t1"}
        assert after.status is RequestStatus.INVOICED
        assert app.unbilled_work(request_id) == usd("0.00")
        assert app.customer_summary(customer, currency="USD").unbilled_work == usd("0.00")
        assert app.customer_summary(customer).unbilled_work == eur("200.00")
        with pytest.raises(InvalidTransition):
            app.draft_request_invoice(request_id, drafted_on=date(2024, 3, 8), actor="billy")
    finally:
        app.close()


def test_the_same_request_invoiced_by_hand_in_usd_is_invoiced_too(tmp_path: Path) -> None:
    """The same history, its USD hours billed by a line drafted by hand: the request is
    invoiced once everything in USD is billed, the EUR hours left aside as by its own draft."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer, request_id = acme_hotfix(app, estimated=False)
    app.import_work(request_id, psa_row("t0", 1, "2", eur(100)), source="psa.csv", actor="import")
    request = app.request(request_id)
    request._estimated(Estimate(hours=Decimal(10), rate=usd(100)), A)  # (as recorded before)
    app.save(request)
    app.send_quote(request_id, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request_id, number="PO-1", amount=usd(1000), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request_id, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(request_id, psa_row("t1", 5, "4", usd(100)), actor="bob")
    app.complete_request(request_id, completed_on=date(2024, 3, 6), actor=A)

    line = InvoiceLine(
        "L1",
        "Hotfix: 4 hours",
        Decimal(4),
        usd(100),
        ZERO_RATED,
        LineSource(
            SourceKind.WORK, request_id=request_id, time_entry_ids=("t1",), hours=Decimal(4)
        ),
        RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(customer, [line], drafted_on=date(2024, 3, 7), actor="billy", currency="USD")

    assert app.request(request_id).status is RequestStatus.INVOICED
    assert app.customer_summary(customer).unbilled_work == eur("200.00")
    app.close()
