"""What an import must never do quietly: read a number split by an unquoted separator, record a
re-saved export twice, skip an entry or a contract whose terms changed, or stop on a bare
``KeyError``; and a payment bounced before the money was allocated is refused like a reversal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from q2c_adapters.importers import BankStatementImporter, ContractImporter, TimeEntryImporter
from q2c_adapters.importers.bank import read_bank_csv
from q2c_adapters.importers.time_entries import read_time_entries_csv
from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.import_batch import ImportRejected

A = "alice"


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor=A)


def authorized_request(app: QuoteToCash, customer: UUID) -> UUID:
    """A request quoted at 100.00 an hour, with a PO and authorized."""
    request = app.open_request(customer, "CSV export", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=40, rate=eur("100"), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 1), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur("4000"), received_on=date(2024, 3, 2), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 2), actor=A)
    return request


# -- a row with more cells than the header ----------------------------------------------------


def test_a_number_split_by_an_unquoted_separator_is_a_row_problem_not_a_smaller_number() -> None:
    """``1,785.00`` unquoted in a comma-separated bank file is two cells; read by position it
    was booked as 1.00. ``7,5`` hours became 7. Both rows are now reported, naming ``cells``."""
    rows, problems, _ = read_bank_csv(
        "date,currency,reference,amount\n2024-04-02,EUR,B-1,1,785.00\n", today=date(2024, 4, 5)
    )
    assert rows == []
    assert [(p.line, p.field) for p in problems] == [(2, "cells")]
    assert "5 cells, the header 4" in problems[0].rule

    entries, problems = read_time_entries_csv("worker,date,ticket,hours\nbob,2024-03-05,T-1,7,5\n")
    assert entries == []
    assert [(p.line, p.field) for p in problems] == [(2, "cells")]


def test_a_trailing_separator_is_not_a_cell_too_many() -> None:
    """Spreadsheets often end every row with the separator: the empty cell after the last
    column is no value, and the row reads as before."""
    entries, problems = read_time_entries_csv("worker,date,ticket,hours\nbob,2024-03-05,T-1,7.5,\n")
    assert problems == []
    assert [e.hours for e in entries] == [Decimal("7.5")]


def test_an_import_with_a_split_number_records_nothing() -> None:
    app = QuoteToCash.open("memory:")
    request = authorized_request(app, acme(app))
    before = app.recorder.max_notification_id()
    text = "worker,date,ticket,hours\nann,2024-03-04,T-1,8\nbob,2024-03-05,T-1,7,5\n"
    with pytest.raises(ImportRejected) as refused:
        TimeEntryImporter(app, tickets={"T-1": request}).import_bytes(
            text.encode(), "march.csv", actor="psa"
        )
    assert "line 3: cells" in str(refused.value)
    assert app.recorder.max_notification_id() == before


# -- a re-saved export -------------------------------------------------------------------------


def test_an_export_saved_again_with_other_decimals_records_nothing_twice() -> None:
    """Entries without ids are known by their content: ``8`` and ``8.00`` hours are one entry,
    so the same timesheet re-saved by a spreadsheet is skipped, not billed twice."""
    app = QuoteToCash.open("memory:")
    request = authorized_request(app, acme(app))
    imp = TimeEntryImporter(app, tickets={"T-1": request})
    first = "worker,date,ticket,hours\nann,2024-03-04,T-1,8\nbob,2024-03-05,T-1,4.5\n"
    resaved = "worker,date,ticket,hours\nann,2024-03-04,T-1,8.00\nbob,2024-03-05,T-1,4.50\n"
    assert imp.import_bytes(first.encode(), "march.csv", actor="psa").recorded == 2
    again = imp.import_bytes(resaved.encode(), "march (resaved).csv", actor="psa")
    assert (again.recorded, again.skipped) == (0, 2)
    assert app.unbilled_work(request) == eur("1250.00")


# -- an entry or a contract changed in the source system ---------------------------------------


def test_an_entry_imported_again_at_another_rate_is_refused_not_skipped() -> None:
    """The PSA corrected entry 77 from 10.00 to 100.00 an hour: skipping it left the entry
    billed at 10.00 without a word. It is refused like a change of hours."""
    app = QuoteToCash.open("memory:")
    request = authorized_request(app, acme(app))
    imp = TimeEntryImporter(app, tickets={"T-1": request})
    head = "id,worker,date,hours,ticket,rate,currency\n"
    imp.import_bytes((head + "77,bob,2024-03-05,8,T-1,10,EUR\n").encode(), "w1.csv", actor="p")
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes((head + "77,bob,2024-03-05,8,T-1,100,EUR\n").encode(), "w2.csv", actor="p")
    assert "entry_id" in str(refused.value) and "10.00 EUR" in str(refused.value)
    assert app.unbilled_work(request) == eur("80.00")
    # the same entry with its rate as recorded is skipped as before
    same = imp.import_bytes(
        (head + "77,bob,2024-03-05,8.00,T-1,10.00,EUR\n").encode(), "w3.csv", actor="p"
    )
    assert (same.recorded, same.skipped) == (0, 1)


CRM = (
    "contract_number;customer;currency;term_start;term_end;frequency;timing;auto_renew;"
    "renewal_uplift;status;sub_id;description;kind;annual_price\n"
)
MC1 = "MC-1;Acme GmbH;EUR;2024-01-01;{end};monthly;{timing};{evergreen};{uplift};active;ERP;ERP;licence;1200,00\n"  # noqa: E501


def mc1(end: str = "2024-12-31", timing: str = "in_advance", evergreen: str = "no") -> bytes:
    uplift = "5" if evergreen == "yes" else ""
    return (CRM + MC1.format(end=end, timing=timing, evergreen=evergreen, uplift=uplift)).encode()


def test_a_contract_exported_again_with_other_terms_is_refused_naming_them() -> None:
    """The CRM now says the contract runs to 2026, in arrears, evergreen at 5 %: a recorded
    contract changes by command, so the export is refused, naming every column that differs,
    instead of being skipped as if nothing had changed."""
    app = QuoteToCash.open("memory:")
    acme(app)
    imp = ContractImporter(app, today=date(2024, 1, 2))
    imp.import_bytes(mc1(), "crm1.csv", actor="crm")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(mc1("2026-12-31", "in_arrears", "yes"), "crm2.csv", actor="crm")
    message = str(refused.value)
    for column in ("term_end", "timing", "auto_renew", "renewal_uplift"):
        assert column in message
    assert app.recorder.max_notification_id() == before


def test_a_contract_exported_again_after_its_renewal_is_the_same_contract() -> None:
    """Renewed to 2025 by command, the contract may come back from the CRM with the signed end
    or the renewed one: both are the contract as recorded, and nothing is refused."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    imp = ContractImporter(app, today=date(2024, 1, 2))
    imp.import_bytes(mc1(), "crm1.csv", actor="crm")
    (contract,) = app.customer(customer).contract_ids
    app.renew_contract(contract, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A)
    for n, end in enumerate(("2024-12-31", "2025-12-31")):
        text = mc1(end).replace(b"1200,00", b"1200,00 ")  # other bytes, same rows
        report = imp.import_bytes(text, f"crm{n + 2}.csv", actor="crm")
        assert (report.recorded, report.skipped) == (0, 1)


# -- a bank account mapped to no customer -------------------------------------------------------


def test_a_bank_account_mapped_to_no_customer_is_a_typed_error_naming_the_account() -> None:
    app = QuoteToCash.open("memory:")
    acme(app)
    text = (
        b"date,currency,reference,amount,account\n"
        b"2024-04-02,EUR,B-1,100.00,DE02100100109307118603\n"
    )
    imp = BankStatementImporter(
        app, accounts={"DE02 1001 0010 9307 1186 03": uuid4()}, today=date(2024, 4, 2)
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        imp.import_bytes(text, "april.csv", actor="bank")
    assert refused.value.field == "accounts"
    assert "DE02100100109307118603" in str(refused.value)
    assert app.recorder.max_notification_id() == before


# -- a bounce dated before the allocation it reverses -------------------------------------------


def test_a_payment_cannot_bounce_before_the_day_its_money_was_allocated() -> None:
    """Allocated on 20 March, the payment cannot be recorded as bounced on 10 March: the
    commission statement showed the reversal on the 10th and the commission on the 20th. As
    with ``reverse_allocation``, the bounce is refused, naming ``bounced_on``; reversing the
    allocation first, then bouncing on the bank's day, is the way to record a late return."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    line = InvoiceLine(
        line_id="L1",
        description="Services",
        quantity=Decimal(1),
        unit_price=eur("100"),
        tax=TaxRate.standard(0),
        source=LineSource(SourceKind.MANUAL, note="test"),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=date(2024, 3, 1), actor=A)
    app.approve_invoice(invoice, role="billing", approved_on=date(2024, 3, 1), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=date(2024, 3, 1), actor="mia")
    app.issue_invoice(invoice, issued_on=date(2024, 3, 1), actor="bea")
    payment = app.receive_payment(
        customer, eur("100"), received_on=date(2024, 3, 5), reference="x", actor=A
    )
    (allocation,) = app.allocate_payment(payment, allocated_on=date(2024, 3, 20), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.bounce_payment(payment, bounced_on=date(2024, 3, 10), reason="returned", actor=A)
    assert refused.value.field == "bounced_on"
    assert app.recorder.max_notification_id() == before
    assert app.invoice(invoice).outstanding == eur("0")

    app.reverse_allocation(
        payment, allocation, reason="returned", actor=A, reversed_on=date(2024, 3, 20)
    )
    app.bounce_payment(payment, bounced_on=date(2024, 3, 10), reason="returned", actor=A)
    assert app.payment(payment).is_bounced
    assert app.invoice(invoice).outstanding == eur("100")
