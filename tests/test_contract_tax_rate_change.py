"""A maintenance contract's tax rate changes from a business day on, as its customer's does.

Found by review: a contract was billed forever at the rate it was signed with. When German VAT
went from 19 % to 21 % on 1 July (or a customer became reverse-charged), the contracts kept
billing 19 %, ``change_customer_tax_rate`` said "a contract keeps the rate it was signed with",
and the only way out was to terminate every contract and sign it again.

Now ``change_contract_tax_rate`` (and ``change_customer_tax_rate(..., contracts=True)``) records
``TaxRateChanged`` on the contract. A period is taxed at the rate in force on its first day (its
tax point); billed periods never change: a change dated into them is refused, and corrections
credit at the rate the credited line was billed at, and bill extra days at their period's rate.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.cli import describe_event
from q2c_adapters.importers import ContractImporter
from q2c_core import (
    BillingFrequency,
    BillingTiming,
    Contract,
    ContractTaxRateFrom,
    InvalidValue,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
    TaxCategory,
    TaxRate,
)
from q2c_core.domain import contract as contract_module
from q2c_core.domain import customer as customer_module

V19 = TaxRate.standard(19)
V21 = TaxRate.standard(21)
AE = TaxRate.none(TaxCategory.REVERSE_CHARGE)
OUTSIDE = TaxRate.none(TaxCategory.OUTSIDE_SCOPE)
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
JUNE = Period(date(2024, 6, 1), date(2024, 7, 1))
JULY = Period(date(2024, 7, 1), date(2024, 8, 1))
AUGUST = Period(date(2024, 8, 1), date(2024, 9, 1))
JULY_1 = date(2024, 7, 1)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuoteToCash]:
    """The in-memory application, and one on a real SQLite file."""
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path / 'q2c.db'}"
    application = QuoteToCash.open(url)
    yield application
    application.close()


def brewery(app: QuoteToCash, name: str = "Brauhaus Nord", **details: str) -> UUID:
    """A German customer billed at 19 % VAT."""
    return app.register_customer(
        name, "EUR", account_manager="mia", actor="bea", tax_rate=V19, **details
    )


def product(sub_id: str, start: date = YEAR.start, price: int = 1200) -> SubContract:
    return SubContract(
        sub_id,
        f"Brewhouse control {sub_id}",
        SubContractKind.PRODUCT,
        start,
        (PricePoint(start, eur(price)),),
    )


def maintenance(
    app: QuoteToCash,
    customer: UUID,
    number: str = "MC-1",
    *,
    term: Period = YEAR,
    frequency: BillingFrequency = BillingFrequency.MONTHLY,
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    subs: tuple[SubContract, ...] = (),
) -> UUID:
    """A signed and activated contract: S1 at 1,200 and S2 at 600 a year unless given."""
    contract = app.sign_contract(
        customer,
        number=number,
        term=term,
        frequency=frequency,
        timing=timing,
        signed_on=term.start,
        actor="bea",
        sub_contracts=subs or (product("S1", term.start), product("S2", term.start, 600)),
    )
    app.activate_contract(contract, effective=term.start, actor="bea")
    return contract


def invoice_of(app: QuoteToCash, contract: UUID, period: Period) -> Invoice:
    billed = app.contract(contract).billed_period(period)
    assert billed is not None and billed.invoice_id is not None, f"{period} is not billed"
    return app.invoice(billed.invoice_id)


def rates(invoice: Invoice) -> set[TaxRate]:
    return {line.tax for line in invoice.lines}


def taxes(invoice: Invoice) -> dict[TaxRate, tuple[Money, Money]]:
    """Taxable base and tax, by rate."""
    return {s.tax_rate: (s.taxable, s.tax) for s in invoice.tax_subtotals}


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> str:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def recorded(app: QuoteToCash) -> int:
    return app.recorder.max_notification_id() or 0


# -- the VAT rate goes up on 1 July ----------------------------------------------------------------


def test_vat_going_up_on_1_july_bills_june_at_19_and_july_at_21(app: QuoteToCash) -> None:
    """Brauhaus Nord's monthly contract, billed in advance, is billed through June at 19 %.
    The rate goes to 21 % from 1 July: July's invoice is at 21 % (150.00 net, 31.50 VAT),
    June's stays at 19 % (28.50), and the preview shows what the run posts."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    app.run_billing(JUNE.start, actor="run")

    assert app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")

    preview = app.preview_billing(JULY.start)
    app.run_billing(JULY.start, actor="run")
    june, july = invoice_of(app, contract, JUNE), invoice_of(app, contract, JULY)
    assert rates(june) == {V19} and taxes(june) == {V19: (eur(150), eur("28.50"))}
    assert rates(july) == {V21} and taxes(july) == {V21: (eur(150), eur("31.50"))}
    assert [line.tax for d in preview for line in d.lines] == [line.tax for line in july.lines]
    signed = app.contract(contract)
    assert signed.tax_rate == V19  # (the rate it was signed with)
    assert signed.current_tax_rate == V21 and signed.tax_rate_since == JULY_1
    assert signed.tax_rate_on(date(2024, 6, 30)) == V19 and signed.tax_rate_on(JULY_1) == V21
    assert signed.tax_rates == [ContractTaxRateFrom(JULY_1, V21)]


def test_a_quarter_running_across_the_change_keeps_the_rate_of_its_first_day(
    app: QuoteToCash,
) -> None:
    """Two quarterly contracts from 1 May: one billed in advance (May to July billed on 1 May,
    before the change is known), one in arrears (May to July billed on 1 August, after it).
    Both quarters' tax point is 1 May: both are at 19 %; the next quarter in advance, from
    1 August, is at 21 %."""
    customer = brewery(app)
    term = Period(date(2024, 5, 1), date(2025, 5, 1))
    quarterly = BillingFrequency.QUARTERLY
    ahead = maintenance(app, customer, "MC-ADV", term=term, frequency=quarterly)
    behind = maintenance(
        app, customer, "MC-ARR", term=term, frequency=quarterly, timing=BillingTiming.IN_ARREARS
    )
    app.run_billing(date(2024, 5, 1), actor="run")

    for contract in (ahead, behind):  # (in the middle of the billed quarter: allowed)
        assert app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")
    app.run_billing(date(2024, 8, 1), actor="run")

    may_to_july = Period(date(2024, 5, 1), date(2024, 8, 1))
    august_to_october = Period(date(2024, 8, 1), date(2024, 11, 1))
    assert rates(invoice_of(app, ahead, may_to_july)) == {V19}
    assert rates(invoice_of(app, behind, may_to_july)) == {V19}
    assert rates(invoice_of(app, ahead, august_to_october)) == {V21}
    assert taxes(invoice_of(app, ahead, august_to_october)) == {V21: (eur(450), eur("94.50"))}


def test_a_change_dated_back_into_billed_periods_is_refused_and_records_nothing(
    app: QuoteToCash,
) -> None:
    """July is billed at 19 % on 1 July before the VAT change is entered. Dated 1 July (July's
    first day) or 15 June (July starts after it), it would re-tax a billed period: refused,
    naming ``effective`` and the billed July, nothing recorded. Dated 15 July, in the middle of
    the billed July, it is August's: July stays at 19 %, August is at 21 %. A change dated
    before that one is refused too."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    app.run_billing(JULY.start, actor="run")
    before = recorded(app)

    for day in (JULY_1, date(2024, 6, 15)):
        with pytest.raises(RuleViolated) as refused:
            app.change_contract_tax_rate(contract, tax_rate=V21, effective=day, actor="bea")
        assert refused.value.field == "effective" and refused.value.aggregate_id == contract
        assert str(JULY) in refused.value.rule and "billed already" in refused.value.rule
        assert recorded(app) == before
    assert app.contract(contract).tax_rates == ()

    assert app.change_contract_tax_rate(
        contract, tax_rate=V21, effective=date(2024, 7, 15), actor="bea"
    )
    before = recorded(app)
    with pytest.raises(RuleViolated) as earlier:
        app.change_contract_tax_rate(
            contract, tax_rate=TaxRate.standard(20), effective=date(2024, 7, 10), actor="bea"
        )
    assert earlier.value.field == "effective" and "last change" in earlier.value.rule
    assert recorded(app) == before

    app.run_billing(AUGUST.start, actor="run")
    assert rates(invoice_of(app, contract, JULY)) == {V19}
    assert rates(invoice_of(app, contract, AUGUST)) == {V21}


def test_a_rate_no_invoice_can_carry_is_refused_naming_the_field(app: QuoteToCash) -> None:
    """The text "21", standard at 0 %, or reverse charge for a customer without a VAT id: each
    refused as for the customer, naming the field, nothing recorded."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    before = recorded(app)
    for typed, field in (("21", "tax_rate"), (TaxRate.standard(0), "tax_rate"), (AE, "tax_id")):
        with pytest.raises(InvalidValue) as refused:
            app.change_contract_tax_rate(
                contract,
                tax_rate=typed,  # type: ignore[arg-type]
                effective=JULY_1,
                actor="bea",
            )
        assert refused.value.field == field
    with pytest.raises(InvalidValue) as not_a_day:
        app.change_contract_tax_rate(
            contract,
            tax_rate=V21,
            effective="2024-07-01",  # type: ignore[arg-type]
            actor="bea",
        )
    assert not_a_day.value.field == "effective"
    assert recorded(app) == before


def test_a_change_retried_records_nothing_and_returns_false(app: QuoteToCash) -> None:
    """The ERP sends the 1 July change twice, and replays it again after a change to 20 % from
    1 October: each retry returns False and records nothing; a change to the rate the contract
    is billed at already on that day (19 % from 1 March) records nothing either."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    assert app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="erp")
    before = recorded(app)
    assert not app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="erp")
    assert not app.change_contract_tax_rate(
        contract, tax_rate=V19, effective=date(2024, 3, 1), actor="erp"
    )
    assert recorded(app) == before
    v20 = TaxRate.standard(20)
    assert app.change_contract_tax_rate(
        contract, tax_rate=v20, effective=date(2024, 10, 1), actor="erp"
    )
    before = recorded(app)
    assert not app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="erp")
    assert recorded(app) == before
    assert app.contract(contract).tax_rate_on(date(2024, 10, 1)) == v20


# -- corrections of billed periods ----------------------------------------------------------------


def test_a_sub_contract_removed_back_dated_is_credited_at_the_rates_it_was_billed_at(
    app: QuoteToCash,
) -> None:
    """June is billed at 19 %, July at 21 %, both issued. On 2 July S2 turns out to have ended
    on 31 May: the run credits June's 50.00 at 19 % (9.50) and July's 50.00 at 21 % (10.50),
    each against its invoice, and both credit notes can be issued."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    app.run_billing(JUNE.start, actor="run")
    app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")
    app.run_billing(JULY.start, actor="run")
    june, july = invoice_of(app, contract, JUNE), invoice_of(app, contract, JULY)
    issue(app, june.id, JUNE.start)
    issue(app, july.id, JULY.start)

    app.remove_sub_contract(contract, "S2", effective_to=JUNE.start, actor="bea")
    preview = app.preview_billing(date(2024, 7, 2))
    notes = app.run_billing(date(2024, 7, 2), actor="run").documents
    assert all(n.kind is InvoiceKind.CREDIT_NOTE for n in notes) and len(notes) == 2
    by_invoice = {n.credits_invoice_id: app.invoice(n.invoice_id) for n in notes}
    assert taxes(by_invoice[june.id]) == {V19: (eur(50), eur("9.50"))}
    assert taxes(by_invoice[july.id]) == {V21: (eur(50), eur("10.50"))}
    assert sorted(str(line.tax.rate) for d in preview for line in d.lines) == ["19", "21"]
    for note in by_invoice.values():
        assert issue(app, note.id, date(2024, 7, 2))


def test_extra_days_are_billed_at_their_periods_rates_and_credited_so(app: QuoteToCash) -> None:
    """S3 (1,200 a year) is added on 2 July from 1 June: one extra-lines invoice bills June at
    19 % and July at 21 %, a tax subtotal each. Then S3 turns out to have ended on 15 June: the
    one credit note against that invoice credits 15 June days at 19 % and July at 21 %, each
    rate's tax exactly what the invoice charged for those days."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    app.run_billing(JUNE.start, actor="run")
    app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")
    app.run_billing(JULY.start, actor="run")

    app.add_sub_contract(contract, product("S3", JUNE.start), actor="bea")
    [extra] = app.run_billing(date(2024, 7, 2), actor="run").documents
    added = app.invoice(extra.invoice_id)
    assert added.kind is InvoiceKind.STANDARD
    assert taxes(added) == {V19: (eur(100), eur(19)), V21: (eur(100), eur(21))}
    issue(app, added.id, date(2024, 7, 2))

    app.remove_sub_contract(contract, "S3", effective_to=date(2024, 6, 16), actor="bea")
    [credit] = app.run_billing(date(2024, 7, 3), actor="run").documents
    note = app.invoice(credit.invoice_id)
    assert note.kind is InvoiceKind.CREDIT_NOTE and note.credits_invoice_id == added.id
    assert taxes(note) == {V19: (eur(50), eur("9.50")), V21: (eur(100), eur(21))}
    assert issue(app, note.id, date(2024, 7, 3))


def test_extra_days_across_a_change_to_outside_scope_are_billed_on_two_issuable_invoices(
    app: QuoteToCash,
) -> None:
    """Found by review: Brauhaus Nord's contract goes outside the scope of VAT (O) from 1 July,
    and S3 is added on 2 July from 1 June. One extra-lines invoice billed June at 19 % beside
    July at O, which approval refuses (BR-O-11: an invoice outside the scope carries no other
    category); voided, the next run drafted the same again, so those days could never be
    billed. Now the run drafts June's extra days on one invoice (S 19 %) and July's on another
    (O), the preview shows just those two, each is recorded on its period's correction, and
    both are issued. Voiding July's bills July's days again, alone, on an issuable invoice;
    S3 then ending on 16 June is credited by one credit note per invoice, each at its rate."""
    customer = brewery(app)
    contract = maintenance(app, customer)
    app.run_billing(JUNE.start, actor="run")
    assert app.change_contract_tax_rate(contract, tax_rate=OUTSIDE, effective=JULY_1, actor="bea")
    app.run_billing(JULY.start, actor="run")
    assert rates(invoice_of(app, contract, JULY)) == {OUTSIDE}

    app.add_sub_contract(contract, product("S3", JUNE.start), actor="bea")
    preview = app.preview_billing(date(2024, 7, 2))
    posted = app.run_billing(date(2024, 7, 2), actor="run").documents
    june, july = (app.invoice(d.invoice_id) for d in posted)
    assert taxes(june) == {V19: (eur(100), eur(19))}
    assert taxes(july) == {OUTSIDE: (eur(100), eur(0))}
    assert [[line.tax for line in d.lines] for d in preview] == [
        [line.tax for line in june.lines],
        [line.tax for line in july.lines],
    ]
    assert [line.line_id for line in july.lines] == ["A1"]
    signed = app.contract(contract)
    assert signed.billed_period(JUNE).corrections[-1].document_ids == (june.id,)
    assert signed.billed_period(JULY).corrections[-1].document_ids == (july.id,)

    issue(app, june.id, date(2024, 7, 2))
    app.void_invoice(july.id, reason="entered twice", actor="bea", voided_on=date(2024, 7, 2))
    assert app.invoice(june.id).status is not InvoiceStatus.VOIDED
    [again] = app.run_billing(date(2024, 7, 3), actor="run").documents
    july = app.invoice(again.invoice_id)
    assert taxes(july) == {OUTSIDE: (eur(100), eur(0))}
    assert issue(app, july.id, date(2024, 7, 3))
    assert app.run_billing(date(2024, 7, 4), actor="run").documents == ()

    app.remove_sub_contract(contract, "S3", effective_to=date(2024, 6, 16), actor="bea")
    notes = [
        app.invoice(d.invoice_id) for d in app.run_billing(date(2024, 7, 5), actor="run").documents
    ]
    by_invoice = {n.credits_invoice_id: n for n in notes}
    assert set(by_invoice) == {june.id, july.id}
    assert taxes(by_invoice[june.id]) == {V19: (eur(50), eur("9.50"))}
    assert taxes(by_invoice[july.id]) == {OUTSIDE: (eur(100), eur(0))}
    for note in notes:
        assert issue(app, note.id, date(2024, 7, 5))


# -- the customer's change, with its contracts ----------------------------------------------------


def test_the_customers_change_with_its_contracts_changes_them_all_at_once(
    app: QuoteToCash,
) -> None:
    """Brauhaus Nord goes to 21 % from 1 July with its contracts: its monthly and its quarterly
    contract bill their periods from 1 July at 21 %, and so does one given notice to 1 October
    (its July to September still to bill); a contract terminated on 1 March has no day left to
    bill and stays as it was. Sent again, nothing is recorded."""
    customer = brewery(app)
    monthly = maintenance(app, customer, "MC-1")
    quarterly = maintenance(app, customer, "MC-2", frequency=BillingFrequency.QUARTERLY)
    notice = maintenance(app, customer, "MC-3")
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

    assert app.change_customer_tax_rate(
        customer, tax_rate=V21, effective=JULY_1, actor="bea", contracts=True
    )
    assert app.customer(customer).tax_rate_on(JULY_1) == V21
    for contract in (monthly, quarterly, notice):
        assert app.contract(contract).tax_rates == [ContractTaxRateFrom(JULY_1, V21)]
    assert app.contract(ended).tax_rates == ()
    app.run_billing(JULY.start, actor="run")
    assert rates(invoice_of(app, monthly, JULY)) == {V21}
    july_to_september = Period(JULY_1, date(2024, 10, 1))
    assert rates(invoice_of(app, quarterly, july_to_september)) == {V21}

    before = recorded(app)
    assert not app.change_customer_tax_rate(
        customer, tax_rate=V21, effective=JULY_1, actor="bea", contracts=True
    )
    assert recorded(app) == before


def test_the_customers_change_is_all_or_nothing_naming_the_contract_that_refuses(
    app: QuoteToCash,
) -> None:
    """MC-1's July is billed already at 19 % when the change from 1 July is entered with the
    contracts; MC-2 starts in August. MC-1 refuses, so nothing is recorded: not the customer's
    change, not MC-2's. Without its contracts, the customer's change is recorded alone, and
    MC-2 follows it with contracts=True from 1 August."""
    customer = brewery(app)
    billed = maintenance(app, customer, "MC-1")
    later = maintenance(app, customer, "MC-2", term=Period(AUGUST.start, date(2025, 8, 1)))
    app.run_billing(JULY.start, actor="run")
    before = recorded(app)

    with pytest.raises(RuleViolated) as refused:
        app.change_customer_tax_rate(
            customer, tax_rate=V21, effective=JULY_1, actor="bea", contracts=True
        )
    assert refused.value.field == "effective" and refused.value.aggregate_id == billed
    assert "contract MC-1" in refused.value.rule and str(JULY) in refused.value.rule
    assert recorded(app) == before
    assert app.customer(customer).tax_rate_on(JULY_1) == V19
    assert app.contract(later).tax_rates == ()

    assert app.change_customer_tax_rate(customer, tax_rate=V21, effective=JULY_1, actor="bea")
    assert app.contract(later).tax_rates == ()  # (a contract keeps its rate unless asked)
    assert app.change_customer_tax_rate(
        customer, tax_rate=V21, effective=AUGUST.start, actor="bea", contracts=True
    )
    assert app.contract(later).tax_rate_on(AUGUST.start) == V21
    assert app.contract(billed).tax_rate_on(AUGUST.start) == V21
    assert app.contract(billed).tax_rate_on(JULY_1) == V19


def test_a_customer_reverse_charged_with_its_vat_id_is_billed_so_from_that_day(
    app: QuoteToCash,
) -> None:
    """Brauhaus Nord, with its VAT id, is reverse-charged (AE) from 1 July with its contract:
    July's invoice is at AE and can be issued (the e-invoice names the buyer's VAT id). A
    customer without a VAT id is refused reverse charge for its contract, naming ``tax_id``."""
    customer = brewery(app, country="DE", tax_id="DE123456788")
    contract = maintenance(app, customer)
    assert app.change_customer_tax_rate(
        customer, tax_rate=AE, effective=JULY_1, actor="bea", contracts=True
    )
    app.run_billing(JULY.start, actor="run")
    july = invoice_of(app, contract, JULY)
    assert rates(july) == {AE} and july.tax == eur(0)
    assert issue(app, july.id, JULY.start)

    other = brewery(app, "Hofbräu Süd")
    theirs = maintenance(app, other, "MC-9")
    before = recorded(app)
    for change in (
        lambda: app.change_contract_tax_rate(theirs, tax_rate=AE, effective=JULY_1, actor="bea"),
        lambda: app.change_customer_tax_rate(
            other, tax_rate=AE, effective=JULY_1, actor="bea", contracts=True
        ),
    ):
        with pytest.raises(InvalidValue) as refused:
            change()
        assert refused.value.field == "tax_id"
    assert recorded(app) == before


def test_a_contract_signed_at_the_text_19_before_the_rules_bills_once_its_rate_is_changed(
    app: QuoteToCash,
) -> None:
    """Two contracts signed at the text "19" before rates were checked, skipped by every run.
    One changed to 19 % from 1 March only would still bill January and February at the text:
    still skipped. The other, changed from its term's first day, is billed, every period at
    19 %."""
    with pytest.MonkeyPatch.context() as before_the_rules:
        before_the_rules.setattr(customer_module, "require_tax_rate", lambda value, _: value)
        before_the_rules.setattr(contract_module, "require_tax_rate", lambda value, _: value)
        customer = app.register_customer(
            "Alte Mühle", "EUR", account_manager="mia", actor="bea", tax_rate="19"
        )
        late, whole = (
            maintenance(app, customer, number, subs=(product("S1"),))
            for number in ("MC-OLD-1", "MC-OLD-2")
        )
    assert app.change_contract_tax_rate(late, tax_rate=V19, effective=date(2024, 3, 1), actor="bea")
    assert app.change_contract_tax_rate(whole, tax_rate=V19, effective=YEAR.start, actor="bea")

    result = app.run_billing(JUNE.start, actor="run")
    assert [s.contract_id for s in result.skipped] == [late]
    assert [d.contract_id for d in result.documents] == [whole] * 6
    assert all(rates(app.invoice(d.invoice_id)) == {V19} for d in result.documents)


def test_a_contract_signed_before_the_customers_change_and_entered_after_it_follows_it(
    tmp_path: Path,
) -> None:
    """Found by review: Brauhaus Nord goes to 21 % VAT from 1 July and is reverse-charged (AE)
    from 1 August, with its contracts. MC-1, signed on paper on 20 June for a term from 1 July,
    is entered afterwards, and MC-2 comes from the CRM with the same signing day: both took only
    the customer's rate on 20 June and billed July on at 19 %. Now a new contract takes the
    customer's whole schedule: the rate on its signing day, then each later change of the
    customer as its own change, recorded with the signing. July is billed at 21 % and August at
    AE, read again from a real SQLite file."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    customer = brewery(app, country="DE", tax_id="DE123456788")
    assert app.change_customer_tax_rate(
        customer, tax_rate=V21, effective=JULY_1, actor="bea", contracts=True
    )
    assert app.change_customer_tax_rate(
        customer, tax_rate=AE, effective=AUGUST.start, actor="bea", contracts=True
    )
    term = Period(JULY_1, date(2025, 7, 1))
    signed = app.sign_contract(
        customer,
        number="MC-1",
        term=term,
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 6, 20),
        actor="bea",
        sub_contracts=(product("S1", JULY_1),),
    )
    app.activate_contract(signed, effective=JULY_1, actor="bea")
    csv = (
        b"contract,customer,term_start,term_end,frequency,signed_on,status,sub_id,description,"
        b"kind,annual_price\n"
        b"MC-2,Brauhaus Nord,2024-07-01,2025-06-30,monthly,2024-06-20,active,S1,Control,"
        b"product,1200.00\n"
    )
    report = ContractImporter(app, today=JULY_1).import_bytes(csv, "crm.csv", actor="bea")
    assert report.rows == 1 and report.skipped == 0
    [imported] = [c.id for c in app.all_contracts() if c.number == "MC-2"]
    app.run_billing(AUGUST.start, actor="run")
    app.close()

    again = QuoteToCash.open(f"sqlite:///{db}")
    for contract in (signed, imported):
        recorded_contract = again.contract(contract)
        assert recorded_contract.tax_rate == V19  # (the customer's on its signing day)
        assert recorded_contract.tax_rates == [
            ContractTaxRateFrom(JULY_1, V21),
            ContractTaxRateFrom(AUGUST.start, AE),
        ]
        july, august = (invoice_of(again, contract, period) for period in (JULY, AUGUST))
        assert taxes(july) == {V21: (eur(100), eur(21))}
        assert taxes(august) == {AE: (eur(100), eur(0))}
    again.close()


def test_a_contract_signed_after_its_term_began_bills_its_first_months_at_the_rate_then(
    app: QuoteToCash,
) -> None:
    """Brauhaus Nord goes to 21 % VAT from 1 July. MC-1 runs from 1 June, but its paper is
    signed on 15 July: June is served before the change and is billed at 19 %, July at 21 %
    (a contract follows its customer's rates from the first day of its term, or its signing
    day when that is earlier)."""
    customer = brewery(app)
    assert app.change_customer_tax_rate(customer, tax_rate=V21, effective=JULY_1, actor="bea")
    signed = app.sign_contract(
        customer,
        number="MC-1",
        term=Period(JUNE.start, date(2025, 6, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 7, 15),
        actor="bea",
        sub_contracts=(product("S1", JUNE.start),),
    )
    app.activate_contract(signed, effective=JUNE.start, actor="bea")
    contract = app.contract(signed)
    assert contract.tax_rate_on(JUNE.start) == V19
    assert contract.tax_rate_on(JULY_1) == V21
    app.run_billing(JULY_1, actor="run")
    assert taxes(invoice_of(app, signed, JUNE)) == {V19: (eur(100), eur(19))}
    assert taxes(invoice_of(app, signed, JULY)) == {V21: (eur(100), eur(21))}


# -- stored: snapshots and the auditor's view -----------------------------------------------------


def _snapshot_states(db: Path, contract: UUID) -> list[dict[str, object]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, state FROM stored_snapshots ORDER BY originator_version"
        ).fetchall()
    return [json.loads(bytes(s))["state"] for i, s in rows if UUID(str(i)) == contract]


def test_a_contract_snapshot_from_before_rate_changes_still_loads_and_reads_back_the_same(
    tmp_path: Path,
) -> None:
    """A contract's snapshot taken before its rate could change (no rates in it) still loads
    with the change recorded after it; a snapshot taken after the change, read in another
    process, has the same rates as the events, and the run bills July at 21 % from it."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    contract = maintenance(app, brewery(app))
    app.take_snapshot(contract)
    [old] = _snapshot_states(db, contract)
    assert "tax_rates" not in old
    app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")
    app.close()

    again = QuoteToCash.open(f"sqlite:///{db}")
    from_old_snapshot = again.contract(contract)
    assert from_old_snapshot.tax_rates == [ContractTaxRateFrom(JULY_1, V21)]
    again.take_snapshot(contract)
    again.close()

    third = QuoteToCash.open(f"sqlite:///{db}")
    assert "tax_rates" in _snapshot_states(db, contract)[-1]
    snapped = third.contract(contract)
    assert snapped.tax_rates == from_old_snapshot.tax_rates
    assert snapped.tax_rate == V19 and snapped.tax_rate_on(JULY_1) == V21
    assert third.verify_snapshots().mismatches == ()
    third.run_billing(JULY.start, actor="run")
    assert rates(invoice_of(third, contract, JUNE)) == {V19}
    assert rates(invoice_of(third, contract, JULY)) == {V21}
    third.close()


def test_the_auditor_reads_the_change_on_the_contract(app: QuoteToCash) -> None:
    """The auditor's event listing shows the change's rate and day."""
    contract = maintenance(app, brewery(app))
    app.change_contract_tax_rate(contract, tax_rate=V21, effective=JULY_1, actor="bea")
    *_, changed = app.repository.event_store.get(contract)
    assert type(changed).__name__ == "TaxRateChanged"
    assert isinstance(changed, Contract.TaxRateChanged)  # type: ignore[attr-defined]
    described = describe_event(changed)
    assert "effective=2024-07-01" in described
    assert any("tax_rate" in line and "21" in line for line in described)
    assert Decimal(21) == changed.tax_rate.rate
