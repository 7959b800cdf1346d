"""A command sent again while the first is still running: a web page or a CRM sync timed out
and retried through another application server (its own process and connection) at the very
moment the first request was deciding.

Each story races the same command in two applications on one SQLite file or PostgreSQL
schema, each having looked at the store before either saved (``racing.race``). What the
command records is recorded once, and each caller is told the first answer (a command that
answers whether it recorded says True to one and False to the other); no driver's or
eventsourcing's error reaches a caller, and no second invoice number is taken.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from racing import race, race_outcomes
from test_concurrency import approved_invoices
from test_story_invoice import worked_request
from test_story_payment import issued

from q2c_core import (
    BillingFrequency,
    ConcurrencyConflict,
    InvoiceLine,
    LineSource,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SourceKind,
    SubContract,
    SubContractKind,
    TaxRate,
    TimeEntry,
)

D = date(2024, 3, 1)
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
Command = Callable[[QuoteToCash], Any]


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="ann", tax_rate=TaxRate.standard(21)
    )


def support(start: date) -> SubContract:
    return SubContract(
        "S1", "Support", SubContractKind.SERVICE, start, [PricePoint(start, eur(1200))]
    )


def mc1(app: QuoteToCash, customer: UUID, frequency: BillingFrequency) -> UUID:
    return app.sign_contract(
        customer,
        number="MC-1",
        term=YEAR,
        frequency=frequency,
        signed_on=date(2023, 12, 1),
        actor="ann",
        sub_contracts=[support(date(2024, 1, 1))],
    )


def issue(app: QuoteToCash) -> Command:
    (invoice,) = approved_invoices(app, acme(app), 1)
    return lambda a: a.issue_invoice(invoice, issued_on=D, actor="bea")


def approve(app: QuoteToCash) -> Command:
    line = InvoiceLine(
        "L1",
        "support",
        Decimal(1),
        eur(10),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(acme(app), [line], drafted_on=D, actor="billy")
    return lambda a: a.approve_invoice(invoice, role="billing", approved_on=D, actor="bea")


def receive(app: QuoteToCash) -> Command:
    customer = acme(app)
    return lambda a: a.receive_payment(
        customer, eur(5), received_on=D, reference="transfer 1", actor="ann", key="bank-41"
    )


def allocate(app: QuoteToCash) -> Command:
    customer = acme(app)
    invoice = issued(app, customer, "10", D)
    payment = app.receive_payment(customer, eur(5), received_on=D, reference="t", actor="ann")
    return lambda a: a.allocate_payment(
        payment, [(invoice, eur(5))], allocated_on=D, actor="ann", reference="A-1"
    )


def draft_request_invoice(app: QuoteToCash) -> Command:
    request = worked_request(app, acme(app))
    return lambda a: a.draft_request_invoice(
        request, drafted_on=date(2024, 3, 8), actor="billy", key="req-1"
    )


def sign(app: QuoteToCash) -> Command:
    customer = acme(app)
    return lambda a: mc1(a, customer, BillingFrequency.ANNUAL)


def add_sub_contract(app: QuoteToCash) -> Command:
    contract = mc1(app, acme(app), BillingFrequency.MONTHLY)
    licence = SubContract(
        "L1", "Licence", SubContractKind.LICENCE, date(2024, 2, 1), [PricePoint(D, eur(600))]
    )
    return lambda a: a.add_sub_contract(contract, licence, actor="ann")


def import_work(app: QuoteToCash) -> Command:
    customer = acme(app)
    request = app.open_request(customer, "Export", requested_on=D, actor="ann")
    app.estimate_request(request, hours=10, rate=eur(100), actor="ann")
    app.send_quote(request, sent_on=date(2024, 3, 2), actor="ann")
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor="ann"
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor="ann")
    entry = TimeEntry("psa:1", "bob", date(2024, 3, 5), Decimal(4), eur(100))
    return lambda a: a.import_work(request, entry, source="psa", actor="bob")


# each command, and what it records once
STORIES: dict[str, tuple[Callable[[QuoteToCash], Command], dict[str, int]]] = {
    "issue_invoice": (
        issue,
        {"Issued": 1, "NumberAssigned": 1, "SeriesOpened": 1, "InvoiceIssuedTo": 1},
    ),
    "approve_invoice": (approve, {"Approved": 1}),
    "receive_payment under a key": (
        receive,
        {
            "PaymentReceived": 1,
            "PaymentReceivedFrom": 1,
            "RetryKeyRecorded": 1,
            # (the store's first receipt by hand: its earlier bank credits noted by reference)
            "EarlierBankCreditsNotedUnderReference": 1,
        },
    ),
    "allocate_payment under a reference": (
        allocate,
        {"PaymentAllocated": 1, "PaymentApplied": 1, "AllocationInstructed": 1},
    ),
    "draft_request_invoice under a key": (
        draft_request_invoice,
        {"Drafted": 1, "InvoiceDraftedFor": 1, "WorkInvoiced": 1, "RetryKeyRecorded": 1},
    ),
    "sign_contract": (sign, {"ContractSigned": 1, "ContractSignedWith": 1}),
    "add_sub_contract": (add_sub_contract, {"SubContractAdded": 1}),
    "import_work of a PSA entry": (
        import_work,
        {
            "WorkLogged": 1,
            "WorkEntryRecorded": 1,
            "EarlierClaimsAliased": 1,
            "EarlierWorkEntriesIndexed": 1,
            "UnindexedWorkEntriesIndexed": 1,
        },
    ),
}


def recorded_since(app: QuoteToCash, head: int) -> dict[str, int]:
    """The kinds of events recorded after ``head``, and how many of each."""
    notifications = app.recorder.select_notifications(start=head + 1, limit=1000)
    return dict(Counter(n.topic.rsplit(".", 1)[-1] for n in notifications))


@pytest.mark.parametrize("story", list(STORIES))
def test_the_command_and_its_retry_at_one_moment_record_once_and_answer_alike(
    shared_url: str, story: str
) -> None:
    """The retry and the first call both looked before either saved: one records, the other
    loses the race, decides again on what was recorded and answers as the first call."""
    setup = QuoteToCash.open(shared_url)
    given, records = STORIES[story]
    command = given(setup)
    head = setup.recorder.max_notification_id() or 0
    answers = race(shared_url, command)
    assert recorded_since(setup, head) == records
    if isinstance(answers[0], bool):
        assert sorted(answers) == [False, True]  # (True: recorded, False: the first's answer)
    else:
        assert answers[0] == answers[1]
    setup.close()


def test_a_billing_run_started_twice_for_one_day_bills_each_period_once(shared_url: str) -> None:
    """The nightly billing of 1 March is started again by an operator while the first run is
    still saving: both have planned every contract before either saved. Each month is billed
    once (January to March: three drafts); the second run bills nothing, as a rerun does."""
    setup = QuoteToCash.open(shared_url)
    contract = mc1(setup, acme(setup), BillingFrequency.MONTHLY)
    setup.activate_contract(contract, effective=date(2024, 1, 1), actor="ann")
    head = setup.recorder.max_notification_id() or 0
    runs = [QuoteToCash.open(shared_url), QuoteToCash.open(shared_url)]
    all_planned = threading.Barrier(2, timeout=20)
    for run in runs:  # (the run saves its batches through ``_record``, not ``save``)
        record, waited = run._record, []

        def record_once_both_planned(
            processing: Any, record: Any = record, waited: Any = waited
        ) -> Any:
            if not waited:
                waited.append(True)
                all_planned.wait()
            return record(processing)

        run._record = record_once_both_planned  # type: ignore[method-assign]
    results: list[Any] = []

    def bill(app: QuoteToCash) -> None:
        try:
            results.append(app.run_billing(date(2024, 3, 1), actor="nightly"))
        except BaseException as error:  # (shown by the assertion below)
            results.append(error)

    threads = [threading.Thread(target=bill, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert recorded_since(setup, head) == {"Drafted": 3, "PeriodBilled": 3}
    assert sorted(len(r.documents) for r in results) == [0, 3]
    for app in (*runs, setup):
        app.close()


def test_a_retry_that_loses_the_race_without_retries_says_what_clashed_and_to_send_it_again(
    shared_url: str,
) -> None:
    """Application servers opened with ``max_retries=1`` (no retry: the caller retries on its
    own). The issue and its retry race; the one that lost is refused with ConcurrencyConflict
    naming what another writer changed (the invoice it issues) and saying that nothing of it
    was recorded, so it is safe to send again: sent again, it answers the first number, and no
    second number was taken."""
    setup = QuoteToCash.open(shared_url)
    (invoice,) = approved_invoices(setup, acme(setup), 1)
    head = setup.recorder.max_notification_id() or 0

    def command(a: QuoteToCash) -> str:
        return a.issue_invoice(invoice, issued_on=D, actor="bea")

    outcomes = race_outcomes(shared_url, command, max_retries=1)
    (refused,) = [o for o in outcomes if isinstance(o, BaseException)]
    assert outcomes.count("INV-000001") == 1
    assert isinstance(refused, ConcurrencyConflict), refused
    assert refused.field == "version"
    assert refused.aggregate_id == invoice
    said = str(refused)
    assert f"Invoice {invoice}" in said
    assert "gave up after 1 attempt:" in said
    assert "nothing of this command was recorded" in said and "safe to send it again" in said
    assert recorded_since(setup, head)["NumberAssigned"] == 1
    assert command(setup) == "INV-000001"  # sent again, the first answer
    assert recorded_since(setup, head)["NumberAssigned"] == 1
    setup.close()


def bounce(app: QuoteToCash) -> Command:
    customer = acme(app)
    issued(app, customer, "10", D)
    payment = app.receive_payment(customer, eur(10), received_on=D, reference="t", actor="ann")
    app.allocate_payment(payment, allocated_on=D, actor="ann")
    return lambda a: a.bounce_payment(payment, bounced_on=D, reason="R01", actor="bank")


def rename(app: QuoteToCash) -> Command:
    customer = acme(app)
    return lambda a: a.rename_customer(customer, new_name="Omega", actor="ann")


@pytest.mark.parametrize("given", [bounce, rename], ids=["bounce_payment", "rename_customer"])
def test_a_retry_that_reads_across_the_first_call_s_save_answers_it_without_retries(
    shared_url: str, given: Callable[[QuoteToCash], Command]
) -> None:
    """Servers opened with ``max_retries=1`` (no retry of a lost race). The retry reads the
    aggregate its command names; the first call then records; the retry reads on and sees the
    rest as the first call left it (the allocation it reverses taken back, the new name taken,
    by the customer itself). It decides again on what is recorded, as it would with retries,
    and answers as a command sent again does (False: nothing recorded), not with a refusal of
    what the first call did ("allocation ... is not applied here", "named 'Omega' already")."""
    setup = QuoteToCash.open(shared_url)
    command = given(setup)
    head = setup.recorder.max_notification_id() or 0
    first, retry = (QuoteToCash.open(shared_url, max_retries=1) for _ in range(2))
    read = retry.repository.get
    answered: list[Any] = []

    def read_then_the_first_call_records(*args: Any, **kwargs: Any) -> Any:
        got = read(*args, **kwargs)
        if not answered:
            answered.append(command(first))
        return got

    retry.repository.get = read_then_the_first_call_records  # type: ignore[method-assign]
    again = command(retry)
    assert answered == [True]
    assert again is False
    once = recorded_since(setup, head)
    assert command(setup) is False and recorded_since(setup, head) == once
    for app in (first, retry, setup):
        app.close()
