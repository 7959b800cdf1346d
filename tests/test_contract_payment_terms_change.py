"""A maintenance contract's payment terms change from a business day on, as its customer's do.

Found by review: a contract kept the payment terms it was signed with for ever. When Brauhaus
Nord renegotiated from 30 days to 14, ``change_customer_payment_terms`` changed its request
invoices, and its maintenance invoices stayed at 30 days: the only way out was to terminate
every contract and sign it again.

Now ``change_contract_payment_terms`` (and ``change_customer_payment_terms(..., contracts=True)``)
records ``PaymentTermsChanged`` on the contract: its invoices drafted from that day on carry the
new terms; invoices drafted before keep theirs, and credit notes stay due at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from test_contract_tax_rate_change import (
    JULY,
    JULY_1,
    JUNE,
    YEAR,
    _snapshot_states,
    eur,
    invoice_of,
    recorded,
)

from q2c_adapters.cli import describe_event
from q2c_adapters.importers import ContractImporter
from q2c_core import (
    BillingFrequency,
    Contract,
    ContractPaymentTermsFrom,
    InvalidValue,
    Invoice,
    InvoiceKind,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    TaxRate,
)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuoteToCash]:
    """The in-memory application, and one on a real SQLite file."""
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path / 'q2c.db'}"
    application = QuoteToCash.open(url)
    yield application
    application.close()


def brewery(app: QuoteToCash) -> UUID:
    """A customer whose invoices are due 30 days after issue."""
    return app.register_customer(
        "Brauhaus Nord",
        "EUR",
        account_manager="mia",
        actor="bea",
        tax_rate=TaxRate.standard(19),
        payment_terms_days=30,
    )


def maintenance(
    app: QuoteToCash, customer: UUID, number: str = "MC-1", *, term: Period = YEAR
) -> UUID:
    """A signed, active monthly contract billed in advance: one product at 1,200 a year."""
    contract = app.sign_contract(
        customer,
        number=number,
        term=term,
        frequency=BillingFrequency.MONTHLY,
        signed_on=term.start,
        actor="bea",
        sub_contracts=(
            SubContract(
                "S1",
                "Brewhouse control",
                SubContractKind.PRODUCT,
                term.start,
                (PricePoint(term.start, eur(1200)),),
            ),
        ),
    )
    app.activate_contract(contract, effective=term.start, actor="bea")
    return contract


def issued(app: QuoteToCash, invoice: Invoice, on: date) -> Invoice:
    """The invoice approved by both roles and issued on ``on``."""
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice.id, role=role, approved_on=on, actor=who)
    app.issue_invoice(invoice.id, issued_on=on, actor="bea")
    return app.invoice(invoice.id)


def test_terms_renegotiated_from_1_july_make_july_due_in_14_days_and_june_stays_at_30(
    app: QuoteToCash,
) -> None:
    """June's invoice is drafted at 30 days; from 1 July the contract's terms are 14 days, so
    July's invoice, drafted and issued on 1 July, is due on 15 July. June's stays due 30 days
    after its issue."""
    contract = maintenance(app, brewery(app))
    app.run_billing(JUNE.start, actor="run")
    june = issued(app, invoice_of(app, contract, JUNE), JUNE.start)

    assert app.change_contract_payment_terms(
        contract, payment_terms_days=14, effective=JULY_1, actor="bea"
    )
    assert app.contract(contract).payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
    assert app.contract(contract).payment_terms_on(JUNE.start) == 30
    assert app.contract(contract).payment_terms_on(JULY_1) == 14
    app.run_billing(JULY.start, actor="run")
    july = issued(app, invoice_of(app, contract, JULY), JULY_1)

    assert (july.payment_terms_days, july.due_date) == (14, date(2024, 7, 15))
    assert june.payment_terms_days == 30
    assert app.invoice(june.id).due_date == JUNE.start + timedelta(days=30)


def test_a_draft_made_before_the_change_keeps_its_terms(app: QuoteToCash) -> None:
    """July's invoice was drafted on 1 July before the 14 days from 1 July were entered: the
    draft keeps its 30 days (void it and run again to draft it at 14)."""
    contract = maintenance(app, brewery(app))
    app.run_billing(date(2024, 7, 1), actor="run")
    early = invoice_of(app, contract, JULY)
    app.change_contract_payment_terms(contract, payment_terms_days=14, effective=JULY_1, actor="b")
    assert app.invoice(early.id).payment_terms_days == 30

    app.void_invoice(early.id, reason="new terms", actor="bea", voided_on=JULY_1)
    app.run_billing(JULY.start, actor="run")
    assert invoice_of(app, contract, JULY).payment_terms_days == 14


def test_extra_lines_carry_the_new_terms_and_a_credit_note_stays_due_at_once(
    app: QuoteToCash,
) -> None:
    """After the change to 14 days from 1 July, S2 is added on 10 July back-dated to 1 July:
    the run's extra-lines invoice for its July days carries 14 days. S1 then turns out to have
    ended on 16 July: the credit note the run drafts is due at once, whatever the terms."""
    contract = maintenance(app, brewery(app))
    app.change_contract_payment_terms(contract, payment_terms_days=14, effective=JULY_1, actor="b")
    app.run_billing(JULY.start, actor="run")
    issued(app, invoice_of(app, contract, JULY), JULY_1)

    app.add_sub_contract(
        contract,
        SubContract(
            "S2", "Filling line", SubContractKind.PRODUCT, JULY_1, (PricePoint(JULY_1, eur(600)),)
        ),
        actor="bea",
    )
    [extra] = app.run_billing(date(2024, 7, 10), actor="run").documents
    assert extra.kind is InvoiceKind.STANDARD
    assert app.invoice(extra.invoice_id).payment_terms_days == 14

    app.remove_sub_contract(contract, "S1", effective_to=date(2024, 7, 16), actor="bea")
    [credit] = app.run_billing(date(2024, 7, 20), actor="run").documents
    assert credit.kind is InvoiceKind.CREDIT_NOTE
    assert app.invoice(credit.invoice_id).payment_terms_days == 0


def test_terms_no_invoice_can_carry_and_a_day_before_the_last_change_are_refused(
    app: QuoteToCash,
) -> None:
    """Terms of a fraction of a day, text, a bool or beyond the limit are ``InvalidValue``
    naming ``payment_terms_days``; a change dated before the contract's last change is
    ``RuleViolated`` naming ``effective``. Nothing is recorded by any of them."""
    contract = maintenance(app, brewery(app))
    app.change_contract_payment_terms(contract, payment_terms_days=14, effective=JULY_1, actor="b")
    before = recorded(app)
    for bad in ("14", 14.5, True, -1, 100_000):
        with pytest.raises(InvalidValue) as refused:
            app.change_contract_payment_terms(
                contract,
                payment_terms_days=bad,  # type: ignore[arg-type]
                effective=JULY_1,
                actor="bea",
            )
        assert refused.value.field == "payment_terms_days"
    with pytest.raises(RuleViolated) as late:
        app.change_contract_payment_terms(
            contract, payment_terms_days=60, effective=JUNE.start, actor="bea"
        )
    assert late.value.field == "effective"
    assert recorded(app) == before
    assert app.contract(contract).payment_terms_on(JULY_1) == 14


def test_a_change_retried_records_nothing_and_returns_false(app: QuoteToCash) -> None:
    """Sent twice (a retry), and the terms it was signed with sent as a change: nothing more
    is recorded, False."""
    contract = maintenance(app, brewery(app))
    assert not app.change_contract_payment_terms(
        contract, payment_terms_days=30, effective=JULY_1, actor="bea"
    )
    assert app.change_contract_payment_terms(
        contract, payment_terms_days=14, effective=JULY_1, actor="bea"
    )
    before = recorded(app)
    assert not app.change_contract_payment_terms(
        contract, payment_terms_days=14, effective=JULY_1, actor="bea"
    )
    assert recorded(app) == before


def test_the_customers_change_with_its_contracts_changes_them_all_at_once(
    app: QuoteToCash,
) -> None:
    """Brauhaus Nord goes to 14 days from 1 July with its contracts: MC-1 and MC-2 (given
    notice to 1 October) carry 14 days from then, and so does MC-0, terminated on 1 March: a
    correction of the days it served, found after its end, is billed on an invoice drafted
    then. Without ``contracts`` a contract keeps its terms."""
    customer = brewery(app)
    first = maintenance(app, customer, "MC-1")
    notice = maintenance(app, customer, "MC-2")
    app.terminate_contract(
        notice,
        effective=date(2024, 10, 1),
        reason="notice",
        actor="bea",
        noticed_on=date(2024, 10, 1),
    )
    ended = maintenance(app, customer, "MC-0")
    app.terminate_contract(
        ended, effective=date(2024, 3, 1), reason="moved", actor="bea", noticed_on=date(2024, 3, 1)
    )
    alone = maintenance(app, brewery_two(app), "MC-9")

    assert app.change_customer_payment_terms(
        customer, payment_terms_days=14, effective=JULY_1, actor="bea", contracts=True
    )
    assert app.customer(customer).payment_terms_on(JULY_1) == 14
    for contract in (first, notice):
        assert app.contract(contract).payment_terms_changes == [
            ContractPaymentTermsFrom(JULY_1, 14)
        ]
    assert app.contract(ended).payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
    assert app.contract(alone).payment_terms_changes == ()
    app.run_billing(JULY.start, actor="run")
    assert invoice_of(app, first, JULY).payment_terms_days == 14

    before = recorded(app)
    assert not app.change_customer_payment_terms(
        customer, payment_terms_days=14, effective=JULY_1, actor="bea", contracts=True
    )
    assert recorded(app) == before
    assert app.change_customer_payment_terms(
        customer, payment_terms_days=21, effective=date(2024, 8, 1), actor="bea"
    )
    assert app.contract(first).payment_terms_on(date(2024, 8, 1)) == 14  # (not asked)


def brewery_two(app: QuoteToCash) -> UUID:
    """Another customer, whose contracts nothing here changes."""
    return app.register_customer(
        "Brauerei Süd", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(19)
    )


def test_the_customers_change_is_all_or_nothing_naming_the_contract_that_refuses(
    app: QuoteToCash,
) -> None:
    """MC-1's terms changed to 14 days from 1 August already; the customer's change to 60 days
    from 1 July with its contracts is dated before that, so MC-1 refuses it and nothing is
    recorded: not the customer's change, not MC-2's."""
    customer = brewery(app)
    first = maintenance(app, customer, "MC-1")
    second = maintenance(app, customer, "MC-2")
    app.change_contract_payment_terms(
        first, payment_terms_days=14, effective=date(2024, 8, 1), actor="bea"
    )
    before = recorded(app)
    with pytest.raises(RuleViolated) as refused:
        app.change_customer_payment_terms(
            customer, payment_terms_days=60, effective=JULY_1, actor="bea", contracts=True
        )
    assert refused.value.field == "effective" and refused.value.aggregate_id == first
    assert "contract MC-1" in refused.value.rule
    assert recorded(app) == before
    assert app.customer(customer).payment_terms_on(JULY_1) == 30
    assert app.contract(second).payment_terms_changes == ()


def test_a_snapshot_from_before_terms_could_change_loads_and_reads_back_the_same(
    tmp_path: Path,
) -> None:
    """A contract's snapshot without any terms changes in it still loads with a change recorded
    after it; a snapshot taken after the change reads back the same terms in another process,
    and the run drafts July at 14 days from it."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    contract = maintenance(app, brewery(app))
    app.take_snapshot(contract)
    assert "payment_terms_changes" not in _snapshot_states(db, contract)[-1]
    app.change_contract_payment_terms(contract, payment_terms_days=14, effective=JULY_1, actor="b")
    app.close()

    again = QuoteToCash.open(f"sqlite:///{db}")
    assert again.contract(contract).payment_terms_on(JULY_1) == 14
    again.take_snapshot(contract)
    again.close()

    third = QuoteToCash.open(f"sqlite:///{db}")
    assert "payment_terms_changes" in _snapshot_states(db, contract)[-1]
    snapped = third.contract(contract)
    assert snapped.payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
    assert third.verify_snapshots().mismatches == ()
    third.run_billing(JULY.start, actor="run")
    assert invoice_of(third, contract, JULY).payment_terms_days == 14
    third.close()


def test_the_auditor_reads_the_change_on_the_contract(app: QuoteToCash) -> None:
    """The auditor's event listing shows the new terms and their day."""
    contract = maintenance(app, brewery(app))
    app.change_contract_payment_terms(contract, payment_terms_days=14, effective=JULY_1, actor="b")
    *_, changed = app.repository.event_store.get(contract)
    assert isinstance(changed, Contract.PaymentTermsChanged)  # type: ignore[attr-defined]
    described = describe_event(changed)
    assert "effective=2024-07-01" in described
    assert any("payment_terms_days" in line and "14" in line for line in described)


def test_a_contract_signed_before_a_change_recorded_earlier_follows_it(tmp_path: Path) -> None:
    """Found by review: in May Brauhaus Nord's terms go to 14 days from 1 July. MC-1, signed
    on 1 June, is entered afterwards, and MC-2 comes from the CRM with the same signing day:
    both took the customer's 30 days of 1 June and kept them for ever. Now a new contract takes
    the customer's later changes as its own, recorded with the signing: July's invoices are due
    in 14 days, read again from a real SQLite file."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer = brewery(app)
    assert app.change_customer_payment_terms(
        customer, payment_terms_days=14, effective=JULY_1, actor="bea", contracts=True
    )
    june_1 = date(2024, 6, 1)
    signed = maintenance(app, customer, "MC-1", term=Period(june_1, date(2025, 6, 1)))
    csv = (
        b"contract,customer,term_start,term_end,frequency,signed_on,status,sub_id,description,"
        b"kind,annual_price\n"
        b"MC-2,Brauhaus Nord,2024-06-01,2025-05-31,monthly,2024-06-01,active,S1,Control,"
        b"product,1200.00\n"
    )
    report = ContractImporter(app, today=JULY_1).import_bytes(csv, "crm.csv", actor="bea")
    assert report.rows == 1 and report.skipped == 0
    [imported] = [c.id for c in app.all_contracts() if c.number == "MC-2"]
    app.run_billing(JUNE.start, actor="run")  # (June's drafted on 1 June: 30 days)
    app.run_billing(JULY.start, actor="run")
    app.close()

    again = QuoteToCash.open(f"sqlite:///{db}")
    for contract in (signed, imported):
        recorded_contract = again.contract(contract)
        assert recorded_contract.payment_terms_days == 30  # (the customer's on 1 June)
        assert recorded_contract.payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
        assert invoice_of(again, contract, JUNE).payment_terms_days == 30
        assert invoice_of(again, contract, JULY).payment_terms_days == 14
    again.close()
