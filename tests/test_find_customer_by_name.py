"""A customer is found by any spelling of its name that the duplicate check reads as its own.

Names are one customer's each as ``person_key`` reads them (case, runs of spaces, the ends,
full-width letters and invisible characters aside): "Acme B.V." cannot be registered next to
"Acme  B.V. ". So the shell (``q2c refund``...), the contract import and the bank import find
"Acme  B.V. " under "Acme B.V.", "acme b.v." or "Acme\u200b B.V." as well, not "no customer
has this name". Two customers an ERP registered under one name (with references) are still
refused by name, whatever the spelling: give the id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_adapters.cli_support import find_customer
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_adapters.importers.contracts import ContractImporter
from q2c_core import (
    DuplicateEntry,
    InvoiceLine,
    LineSource,
    Money,
    NotFound,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.import_batch import ImportRejected

REGISTERED = "Acme  B.V. "  # as a clerk typed it: two spaces, one at the end
SPELLINGS = [
    "Acme B.V.",
    "Acme  B.V. ",
    "acme  b.v.",
    "ACME B.V.",
    "Acme\u200b B.V.",
    "Ａｃｍｅ B.V.",
]


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer(REGISTERED, "EUR", account_manager="mia", actor="bea")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_shell_finds_a_customer_by_any_spelling_of_its_name(spelling: str) -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    assert find_customer(app, spelling) == customer


def test_a_name_two_erp_customers_share_is_refused_whatever_the_spelling() -> None:
    app = QuoteToCash.open("memory:")
    first = app.register_customer(
        "Acme B.V.", "EUR", account_manager="mia", actor="erp", reference="C-1"
    )
    second = app.register_customer(
        "ACME  B.V.", "EUR", account_manager="mia", actor="erp", reference="C-2"
    )
    with pytest.raises(RuleViolated) as refused:
        find_customer(app, "acme b.v.")
    assert refused.value.field == "customer"
    assert first.hex in str(refused.value) and second.hex in str(refused.value)
    with pytest.raises(NotFound):
        find_customer(app, "Acme B.V. Holding")


def test_a_crm_export_naming_the_customer_otherwise_signs_its_contract() -> None:
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    export = (
        "contract;customer;currency;term_start;term_end;frequency;sub_id;description;kind;annual_price\n"
        "MC-1;ACME B.V.;EUR;2024-01-01;2024-12-31;monthly;ERP;ERP licence;licence;1200,00\n"
    )
    report = ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
        export.encode(), "crm.csv", actor="crm-sync"
    )
    assert report.recorded == 2
    (contract,) = app.customer(customer).contract_ids
    assert app.contract(contract).number == "MC-1"


def test_a_crm_export_naming_a_customer_that_does_not_exist_is_refused_whole() -> None:
    app = QuoteToCash.open("memory:")
    acme(app)
    export = (
        "contract;customer;currency;term_start;term_end;frequency;sub_id;description;kind;annual_price\n"
        "MC-1;Acme B.V.;EUR;2024-01-01;2024-12-31;monthly;ERP;ERP licence;licence;1200,00\n"
        "MC-2;Acme Holding;EUR;2024-01-01;2024-12-31;monthly;ERP;ERP licence;licence;1200,00\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected):
        ContractImporter(app, today=date(2024, 1, 2)).import_bytes(
            export.encode(), "crm.csv", actor="crm-sync"
        )
    assert app.recorder.max_notification_id() == before


def test_a_bank_credit_from_the_customer_spelled_otherwise_is_its_payment() -> None:
    """No invoice number, no known IBAN: the debtor's name finds the customer, and the
    amount the one invoice it fits."""
    app = QuoteToCash.open("memory:")
    customer = acme(app)
    line = InvoiceLine(
        line_id="L1",
        description="Consulting",
        quantity=Decimal(1),
        unit_price=Money.of("100.00", "EUR"),
        tax=TaxRate.standard(0),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.OTHER,
    )
    day = date(2024, 3, 1)
    invoice = app.draft_invoice(customer, [line], drafted_on=day, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
    app.issue_invoice(invoice, issued_on=day, actor="bea")
    statement = (
        "date,amount,currency,remittance,name,reference\n2024-03-20,100.00,EUR,,ACME B.V.,B-1\n"
    )
    report = BankStatementImporter(app, today=date(2024, 3, 21)).import_bytes(
        statement.encode(), "march.csv", actor="bank-sync"
    )
    assert (report.recorded, report.suspended) == (1, 0)
    (credit,) = app.bank_credits()
    assert credit.customer_id == customer
    assert app.invoice(invoice).outstanding.is_zero()


# what a person may type differently: case, spaces between and around words, invisible marks
CASE = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])
GAP = st.sampled_from([" ", "  ", " \u200b", "\u00a0", "\t"])


@settings(max_examples=50, deadline=None)
@given(
    words=st.lists(
        st.text(st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=6),
        min_size=1,
        max_size=3,
    ),
    registered_gaps=st.lists(GAP, min_size=4, max_size=4),
    typed_gaps=st.lists(GAP, min_size=4, max_size=4),
    case=CASE,
    ends=st.sampled_from(["", " ", "  "]),
)
def test_every_spelling_the_duplicate_check_refuses_finds_the_customer(
    words: list[str],
    registered_gaps: list[str],
    typed_gaps: list[str],
    case: object,
    ends: str,
) -> None:
    def spell(gaps: list[str]) -> str:
        return "".join(w + g for w, g in zip(words, gaps, strict=False)).rstrip() or words[0]

    registered = spell(registered_gaps)
    typed = ends + case(spell(typed_gaps)) + ends  # type: ignore[operator]
    app = QuoteToCash.open("memory:")
    customer = app.register_customer(registered, "EUR", account_manager="mia", actor="bea")
    try:
        other = app.register_customer(typed, "EUR", account_manager="mia", actor="bea")
    except DuplicateEntry:  # the duplicate check reads it as the customer's name
        assert find_customer(app, typed) == customer
    else:  # another name: the other customer's, and the first still found by its own
        assert find_customer(app, typed) == other
        assert find_customer(app, registered) == customer
