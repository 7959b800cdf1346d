"""A company signs its invoices off by its CFO alone and writes ``ApprovalPolicy(roles="cfo")``.
Text is a sequence of letters, so the policy read three roles, "c", "f" and "o", and every
sign-off by the CFO was refused as a role not in the policy; roles that were no text at all
(None, numbers) failed with Python's own TypeError or AttributeError. Both are now refused as
the rest of q2c refuses bad input: ``InvalidValue`` naming ``approval_policy.roles``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    ApprovalPolicy,
    InvalidValue,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    QuoteToCash,
    SourceKind,
    TaxRate,
)


@pytest.mark.parametrize("roles", ["cfo", "billing"])
def test_one_role_given_as_text_is_refused_not_read_letter_by_letter(roles: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        ApprovalPolicy(roles=roles)  # type: ignore[arg-type]
    assert refused.value.field == "approval_policy.roles"
    assert "list" in str(refused.value) or "tuple" in str(refused.value)


@pytest.mark.parametrize("roles", [None, [1, 2], ("billing", None), 7])
def test_roles_that_are_no_text_are_refused_naming_them(roles: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        ApprovalPolicy(roles=roles)  # type: ignore[arg-type]
    assert refused.value.field == "approval_policy.roles"


def test_the_cfo_alone_signs_off_with_a_policy_of_one_role_in_a_list() -> None:
    app = QuoteToCash.open("memory:", approval_policy=ApprovalPolicy(roles=["cfo"]))
    try:
        acme = app.register_customer(
            "Acme", "EUR", account_manager="mia", actor="al", tax_rate=TaxRate.standard(21)
        )
        line = InvoiceLine(
            "a",
            "Support",
            Decimal(1),
            Money.of(100, "EUR"),
            TaxRate.standard(21),
            LineSource(SourceKind.MANUAL),
        )
        day = date(2024, 5, 2)
        invoice = app.draft_invoice(acme, [line], drafted_on=day, actor="al")
        app.approve_invoice(invoice, role="cfo", approved_on=day, actor="carla")
        assert app.invoice(invoice).status is InvoiceStatus.APPROVED
    finally:
        app.close()
