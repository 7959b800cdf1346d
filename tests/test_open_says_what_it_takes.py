"""``help(QuoteToCash.open)`` is where an integrator looks for how to open the books, and it
said only "Open the application on memory:, sqlite:///file.db or postgresql://...", its
``**kwargs`` unexplained: nothing of ``max_retries`` (which the README gives as
``QuoteToCash.open(url, max_retries=...)``), of ``approval_policy`` (how a company whose
invoices need only billing's sign-off opens them), of the URL's parameters or of what it
raises. It now says each, and what it says holds."""

from __future__ import annotations

import inspect
from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    ApprovalPolicy,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    StorageUnavailable,
    TaxRate,
)


def test_open_says_what_it_takes_and_what_it_raises() -> None:
    doc = inspect.getdoc(QuoteToCash.open) or ""
    for said in (
        "max_retries",
        "approval_policy",
        "ApprovalPolicy",
        "lock_timeout",
        "connect_timeout",
        "schema",
        "StorageUnavailable",
        "InvalidValue",
    ):
        assert said in doc, said


def test_an_approval_policy_of_billing_alone_issues_on_billing_s_sign_off() -> None:
    app = QuoteToCash.open("memory:", approval_policy=ApprovalPolicy(["billing"]))
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    manual = LineSource(SourceKind.MANUAL)
    line = InvoiceLine(
        "L1", "Workshop", Decimal("1"), Money.of("100.00", "EUR"), TaxRate.standard(21), manual
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=date(2026, 3, 2), actor="pete")
    app.approve_invoice(invoice, role="billing", approved_on=date(2026, 3, 2), actor="bea")
    assert app.issue_invoice(invoice, issued_on=date(2026, 3, 2), actor="bea") == "INV-000001"
    app.close()


def test_what_open_refuses() -> None:
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open("memory:", max_retries=0)
    assert refused.value.field == "max_retries"
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open("sqlite:///billing.db?lock_timeot=5")
    assert refused.value.field == "url"
    with pytest.raises(StorageUnavailable) as unavailable:
        QuoteToCash.open("sqlite:////no/such/folder/billing.db")
    assert unavailable.value.field == "url"
