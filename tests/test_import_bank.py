"""Importing bank statements (camt.053 and CSV): credits become payments matched to invoices by
remittance text and amount; what cannot be matched waits in a suspense list for a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv, read_camt053
from q2c_core import (
    InvalidTransition,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    OpenItem,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.domain.bank_credit import CreditStatus, SuspenseReason
from q2c_core.domain.import_batch import ImportRejected
from q2c_core.domain.remittance import MatchedBy, invoice_numbers_in, match_credit

DATA = Path(__file__).parent / "data"
A = "alice"
EUR = "EUR"


def issue(app: QuoteToCash, customer: UUID, net: str, tax: TaxRate, on: date) -> UUID:
    line = InvoiceLine(
        line_id="L1",
        description="Services",
        quantity=Decimal(1),
        unit_price=Money.of(net, EUR),
        tax=tax,
        source=LineSource(SourceKind.MANUAL, note="test"),
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def build(app: QuoteToCash) -> dict[str, UUID]:
    """Acme owes INV-000001..3 (1190, 595, 238); Globex owes INV-000004..5 (750, 300)."""
    vat = TaxRate.standard(19)
    acme = app.register_customer("Acme GmbH", EUR, account_manager="mia", actor=A, tax_rate=vat)
    globex = app.register_customer("Globex SA", EUR, account_manager="max", actor=A)
    zero = TaxRate.standard(0)
    ids = {"acme": acme, "globex": globex}
    ids["INV-000001"] = issue(app, acme, "1000", vat, date(2024, 3, 1))
    ids["INV-000002"] = issue(app, acme, "500", vat, date(2024, 3, 2))
    ids["INV-000003"] = issue(app, acme, "200", vat, date(2024, 3, 3))
    ids["INV-000004"] = issue(app, globex, "750", zero, date(2024, 3, 4))
    ids["INV-000005"] = issue(app, globex, "300", zero, date(2024, 3, 5))
    return ids


def importer(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 2))


def test_a_camt053_statement_pays_invoices_and_parks_the_rest(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    app = app_factory()
    ids = build(app)
    report = importer(app).import_file(DATA / "camt053_statement.xml", actor="bank-sync")
    # 6 booked credits (one entry is a batch of two), a debit and a pending credit ignored
    assert (report.rows, report.recorded, report.suspended, report.ignored) == (8, 4, 2, 2)

    # one transfer, two invoices named in the remittance (spelled two ways): both paid
    for n in ("INV-000001", "INV-000002", "INV-000003", "INV-000004", "INV-000005"):
        assert app.invoice(ids[n]).outstanding.is_zero(), n
    acme_payments = app.payments(ids["acme"])
    first = acme_payments[0]
    assert first.amount == Money.of("1785.00", EUR)
    assert [a.invoice_id for a in first.allocations] == [ids["INV-000001"], ids["INV-000002"]]
    assert [a.amount for a in first.allocations] == [
        Money.of("1190.00", EUR),
        Money.of("595.00", EUR),
    ]
    assert first.reference == "TX-1" and first.received_on == date(2024, 4, 2)

    # matched by amount: Globex's 750.00 with no invoice number
    credits = {c.credit.bank_reference: c for c in app.bank_credits()}
    assert credits["TX-2"].invoice_ids == (ids["INV-000004"],)
    # a batch entry's second transaction named a Globex invoice: Globex's payment
    assert credits["TX-7B"].customer_id == ids["globex"]

    # suspense: an unknown payer (no payment), and Acme money that fits no invoice (credit)
    suspense = {c.credit.bank_reference: c for c in app.bank_suspense()}
    assert set(suspense) == {"TX-3", "TX-4"}
    assert suspense["TX-3"].suspense_reason is SuspenseReason.UNKNOWN_CUSTOMER
    assert suspense["TX-3"].payment_id is None
    assert suspense["TX-4"].suspense_reason is SuspenseReason.NO_INVOICE
    assert app.customer_credit(ids["acme"]) == Money.of("50.00", EUR)

    before = app.recorder.max_notification_id()
    again = importer(app).import_file(DATA / "camt053_statement.xml", actor="bank-sync")
    assert again.already_imported and again.recorded == 0
    assert app.recorder.max_notification_id() == before
    if backend_url != "memory:":
        other = app_factory()
        assert {c.credit.bank_reference for c in other.bank_suspense()} == {"TX-3", "TX-4"}
        assert len(other.payments(ids["acme"])) == 3


def test_overlapping_statements_book_each_credit_once(app: QuoteToCash) -> None:
    ids = build(app)
    importer(app).import_file(DATA / "camt053_statement.xml", actor="bank-sync")
    inv6 = issue(app, ids["acme"], "40", TaxRate.standard(0), date(2024, 4, 2))
    assert app.invoice(inv6).number == "INV-000006"
    report = importer(app).import_file(DATA / "camt053_v08_overlap.xml", actor="bank-sync")
    assert (report.rows, report.recorded, report.skipped) == (2, 1, 1)
    assert app.invoice(inv6).outstanding.is_zero()
    assert len(app.payments(ids["acme"])) == 4
    # a camt.053.001.08 entry with a date-time booking date
    (credit,) = [c for c in app.bank_credits() if c.credit.bank_reference == "TX-8"]
    assert credit.credit.booked_on == date(2024, 4, 3)
    assert credit.credit.debtor_name == "Acme GmbH"


def test_a_person_resolves_the_suspense_list(app: QuoteToCash) -> None:
    ids = build(app)
    importer(app).import_file(DATA / "camt053_statement.xml", actor="bank-sync")
    suspense = {c.credit.bank_reference: c for c in app.bank_suspense()}
    unknown, advance = suspense["TX-3"], suspense["TX-4"]

    # the unknown payer is not a customer's until someone says whose it is
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as caught:
        app.resolve_bank_credit(unknown.id, resolved_on=date(2024, 4, 5), actor="bea")
    assert caught.value.field == "customer_id"
    assert app.recorder.max_notification_id() == before

    inv = issue(app, ids["globex"], "99", TaxRate.standard(0), date(2024, 4, 4))
    payment_id = app.resolve_bank_credit(
        unknown.id,
        customer_id=ids["globex"],
        resolved_on=date(2024, 4, 5),
        actor="bea",
        note="Initech pays for Globex",
    )
    assert app.payment(payment_id).customer_id == ids["globex"]
    assert app.invoice(inv).outstanding.is_zero()  # oldest open invoice first

    # Acme's advance stays customer credit when a person says so
    app.resolve_bank_credit(advance.id, allocations=[], resolved_on=date(2024, 4, 5), actor="bea")
    assert app.bank_credit(advance.id).status is CreditStatus.RESOLVED
    assert app.customer_credit(ids["acme"]) == Money.of("50.00", EUR)
    assert app.bank_suspense() == []
    with pytest.raises(InvalidTransition):
        app.resolve_bank_credit(advance.id, allocations=[], resolved_on=date(2024, 4, 6), actor="x")


def test_money_booked_before_an_invoice_was_issued_waits_as_the_customer_s_credit(
    app: QuoteToCash, tmp_path: Path
) -> None:
    """A transfer booked on 2 April naming an invoice issued on 10 April pays it neither then
    nor, by its amount, another invoice: it is Acme's credit until someone allocates it on or
    after the 10th."""
    ids = build(app)
    later = issue(app, ids["acme"], "100", TaxRate.standard(0), date(2024, 4, 10))
    number = app.invoice(later).number
    statement = tmp_path / "advance.csv"
    statement.write_text(
        "date,amount,currency,remittance,name,reference\n"
        f"2024-04-02,238.00,EUR,{number},Acme GmbH,ADV-1\n"
    )
    report = importer(app).import_file(statement, actor="bank-sync")
    assert (report.recorded, report.suspended) == (0, 1)
    (parked,) = app.bank_suspense()
    assert parked.customer_id == ids["acme"]
    assert parked.suspense_reason is SuspenseReason.NO_INVOICE
    # 238.00 is what INV-000003 owes, but the remittance named the April invoice
    assert app.invoice(ids["INV-000003"]).outstanding == Money.of("238.00", EUR)
    assert app.customer_credit(ids["acme"]) == Money.of("238.00", EUR)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.resolve_bank_credit(
            parked.id,
            allocations=[(later, Money.of("100.00", EUR))],
            resolved_on=date(2024, 4, 5),
            actor="bea",
        )
    assert (refused.value.field, refused.value.aggregate_id) == ("resolved_on", later)
    assert app.recorder.max_notification_id() == before
    app.resolve_bank_credit(
        parked.id,
        allocations=[(later, Money.of("100.00", EUR))],
        resolved_on=date(2024, 4, 10),
        actor="bea",
    )
    assert app.invoice(later).is_settled()


def test_an_unidentifiable_credit_can_be_returned_to_its_sender(app: QuoteToCash) -> None:
    build(app)
    importer(app).import_file(DATA / "camt053_statement.xml", actor="bank-sync")
    (unknown,) = [c for c in app.bank_suspense() if c.payment_id is None]
    app.return_bank_credit(unknown.id, returned_on=date(2024, 4, 8), reason="not ours", actor="bea")
    assert app.bank_credit(unknown.id).status is CreditStatus.RETURNED
    assert len(app.bank_suspense()) == 1


def test_a_csv_statement_with_decimal_commas_and_a_debit(app: QuoteToCash) -> None:
    ids = build(app)
    bank = BankStatementImporter(app, accounts={"GB33 BUKB 2020 1555 5555 55": ids["globex"]})
    report = bank.import_file(DATA / "bank_statement.csv", actor="bank-sync")
    assert (report.rows, report.recorded, report.suspended, report.ignored) == (3, 1, 1, 1)
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
    assert app.invoice(ids["INV-000002"]).outstanding.is_zero()
    # the payer's IBAN names the customer; 99.00 fits no Globex invoice: customer credit
    (parked,) = app.bank_suspense()
    assert parked.customer_id == ids["globex"]
    assert parked.suspense_reason is SuspenseReason.NO_INVOICE


def test_a_card_number_in_the_remittance_refuses_the_file(app: QuoteToCash) -> None:
    """The card-number row is named by its line; nothing is recorded; the number is not echoed."""
    build(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_file(DATA / "bank_statement_card.csv", actor="bank-sync")
    problems = {p.line: p for p in caught.value.problems}
    assert sorted(problems) == [3, 4]
    assert problems[3].field == "remittance" and "card" in problems[3].rule
    assert problems[4].field == "currency"
    assert "4111" not in str(caught.value)
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []


def test_camt_row_errors_carry_the_xml_line() -> None:
    text = (DATA / "camt053_statement.xml").read_text()
    bad = text.replace("<Ustrd>order 5521</Ustrd>", "<Ustrd>card 4111111111111111</Ustrd>")
    rows, problems, ignored = read_camt053(bad.encode())
    (problem,) = problems
    lines = bad.splitlines()
    initech = next(n for n, t in enumerate(lines, 1) if "Initech" in t)
    line = max(n for n, t in enumerate(lines, 1) if "<TxDtls>" in t and n < initech)
    assert problem.field == "RmtInf"  # (the element holding it)
    assert problem.line == line
    assert len(rows) == 5 and ignored == 2
    _, broken, _ = read_camt053(b"<Document><unclosed></Document>")
    assert broken[0].field == "xml"
    _, other, _ = read_camt053(
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>'
    )
    assert "camt.053" in other[0].rule


def test_csv_reading_keys_and_amounts() -> None:
    rows, problems, ignored = read_bank_csv(
        "date,credit,debit,currency,remittance\n"
        "2024-04-02,10.00,,EUR,a\n"
        "2024-04-02,,5.00,EUR,b\n"
        "2024-04-02,10.00,,EUR,a\n"
    )
    assert problems == [] and ignored == 1
    # two identical credits without a bank reference are two credits, with stable keys
    assert len({r.credit_key for r in rows}) == 2
    again, _, _ = read_bank_csv("date,amount,currency,remittance\n2024-04-02,10.00,EUR,a\n")
    assert again[0].credit_key == rows[0].credit_key


def test_remittance_names_invoices_however_banks_spell_them() -> None:
    known = ["INV-000001", "INV-000002", "INV-000010"]
    text = "pay inv 000002, INV000001 and INV-0000010 and INV-00000100"
    assert invoice_numbers_in(text, known) == ["INV-000002", "INV-000001"]


_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@settings(max_examples=60, deadline=None)
@given(
    amount=_amounts,
    named=st.lists(_amounts, max_size=4),
    others=st.lists(_amounts, max_size=4),
)
def test_a_match_never_allocates_more_than_the_credit_or_an_invoice_owes(
    amount: Decimal, named: list[Decimal], others: list[Decimal]
) -> None:
    """Allocations add up to at most the credit, each at most what its invoice owes, each
    positive; invoices the remittance names are the only ones paid when it names open ones; an
    amount match pays exactly the credit."""

    def items(values: list[Decimal], prefix: str) -> list[OpenItem]:
        return [
            OpenItem(
                UUID(int=i + (100 if prefix == "o" else 0)),
                f"{prefix}{i}",
                date(2024, 1, 1 + i),
                Money(v, EUR),
            )
            for i, v in enumerate(values)
        ]

    named_items, other_items = items(named, "n"), items(others, "o")
    match = match_credit(Money(amount, EUR), named_items, other_items)
    owed = {i.invoice_id: i.outstanding for i in [*named_items, *other_items]}
    allocated = match.allocated or Money.zero(EUR)
    assert allocated <= Money(amount, EUR)
    for invoice_id, part in match.allocations:
        assert part.is_positive() and part <= owed[invoice_id]
    if named_items:
        assert match.matched_by is MatchedBy.REMITTANCE
        assert {i for i, _ in match.allocations} <= {i.invoice_id for i in named_items}
    if match.matched_by is MatchedBy.AMOUNT:
        assert allocated == Money(amount, EUR)


def test_a_csv_with_a_credit_debit_column(app: QuoteToCash) -> None:
    ids = build(app)
    text = (
        "date,amount,direction,currency,remittance,name\n"
        "2024-04-02,595.00,C,EUR,INV-000002,Acme GmbH\n"
        "2024-04-02,595.00,D,EUR,INV-000002,Acme GmbH\n"
        "2024-04-02,1.00,?,EUR,x,Acme GmbH\n"
    )
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "dir.csv", actor="bank-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "direction")]
    report = importer(app).import_bytes(
        text.rsplit("\n", 2)[0].encode() + b"\n", "dir.csv", actor="bank-sync"
    )
    assert (report.recorded, report.ignored) == (1, 1)
    assert app.invoice(ids["INV-000002"]).outstanding.is_zero()


def test_remittance_finds_numbers_of_any_series() -> None:
    known = ["INV2024-000001", "CN-7", "INV-000001"]
    assert invoice_numbers_in("re INV2024 000001 and cn 7", known) == ["INV2024-000001", "CN-7"]
    assert invoice_numbers_in("INV-000001-2 INV-0000011", known) == ["INV-000001"]
    assert invoice_numbers_in("ref INV  000001", known) == []  # two spaces: two words


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=999_999),
    sep=st.sampled_from(["", " ", "-", "/", "."]),
    lower=st.booleans(),
    words=st.lists(st.sampled_from(["paid", "thanks", "re:", "Rechnung", "order 55"]), max_size=3),
)
def test_a_known_number_is_found_however_it_is_written(
    n: int, sep: str, lower: bool, words: list[str]
) -> None:
    """The number, spelt with any single separator and in any case, amid other words, is found;
    a longer number that merely starts with it is not."""
    number = f"INV-{n:06d}"
    written = f"INV{sep}{n:06d}"
    written = written.lower() if lower else written
    text = " ".join([*words, written, *words])
    assert invoice_numbers_in(text, [number]) == [number]
    assert invoice_numbers_in(f"INV-{n:06d}7", [number]) == []


STATEMENT = "Buchungstag;Betrag;Währung;Verwendungszweck;Auftraggeber;IBAN;Ref\n"


def test_two_credits_under_one_reference_refuse_the_statement(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """The bank reused reference B-1 for two transfers: neither is taken for the other, the file
    is refused naming the second line and the reference, and nothing is booked."""
    app = app_factory()
    build(app)
    text = STATEMENT + (
        "02.04.2024;100,00;EUR;hello;ACME GMBH;DE02100100109307118603;B-1\n"
        "02.04.2024;50,00;EUR;other;Initech;;B-1\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "s.csv", actor="bank-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "reference")
    assert "'B-1'" in problem.rule and "line 2" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []

    # the very same credit twice in one file is one credit, booked once
    same = STATEMENT + 2 * "02.04.2024;595,00;EUR;INV-000002;ACME GMBH;;B-1\n"
    report = importer(app).import_bytes(same.encode(), "same.csv", actor="bank-sync")
    assert (report.recorded, report.skipped) == (1, 1)
    if backend_url != "memory:":
        other = app_factory()
        assert [c.credit.amount for c in other.bank_credits()] == [Money.of("595.00", EUR)]


def test_a_later_statement_reusing_a_booked_reference_for_another_credit_is_refused(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Monday's statement booked B-1; Tuesday's carries B-1 again for another amount. Re-reading
    the same credit is skipped; a different one under its reference is refused, not dropped."""
    app = app_factory()
    ids = build(app)
    monday = STATEMENT + "02.04.2024;595,00;EUR;INV-000002;ACME GMBH;;B-1\n"
    importer(app).import_bytes(monday.encode(), "monday.csv", actor="bank-sync")
    if backend_url != "memory:":
        app = app_factory()  # the booked credit as read back from the database

    tuesday = STATEMENT + (
        "03.04.2024;238,00;EUR;INV-000003;ACME GMBH;;B-2\n"
        "02.04.2024;590,00;EUR;INV-000002;ACME GMBH;;B-1\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(tuesday.encode(), "tuesday.csv", actor="bank-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "reference")
    assert "'B-1'" in problem.rule and "already booked" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert not app.invoice(ids["INV-000003"]).outstanding.is_zero()

    overlap = STATEMENT + (
        "03.04.2024;238,00;EUR;INV-000003;ACME GMBH;;B-2\n"
        "02.04.2024;595,00;EUR;INV-000002;ACME GMBH;;B-1\n"
    )
    report = importer(app).import_bytes(overlap.encode(), "overlap.csv", actor="bank-sync")
    assert (report.recorded, report.skipped) == (1, 1)
    assert app.invoice(ids["INV-000003"]).outstanding.is_zero()
    assert len(app.bank_credits()) == 2


@pytest.mark.parametrize("column", ["Betrag", "credit"])
def test_an_absurd_amount_is_refused_by_its_own_column(app: QuoteToCash, column: str) -> None:
    build(app)
    text = f"date;{column};currency;reference\n2024-04-02;1e20;EUR;B-1\n2024-04-02;5,00;XXX;B-2\n"
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "big.csv", actor="bank-sync")
    field = "amount" if column == "Betrag" else "credit"
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, field), (3, "currency")]
    assert "out of range" in caught.value.problems[0].rule
    assert app.recorder.max_notification_id() == before


def test_a_point_in_a_decimal_comma_statement_separates_thousands(app: QuoteToCash) -> None:
    """The bank writes 1.785,00 and 99,00: its 1.000 is a thousand euros, and 2.5 is an error."""
    ids = build(app)
    rows = (
        "02.04.2024;1.785,00;EUR;INV-000001 INV-000002;ACME GMBH;;B-1\n"
        "03.04.2024;1.000;EUR;advance;ACME GMBH;;B-2\n"
        "03.04.2024;99,00;EUR;order 5521;Initech LLC;;B-3\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(
            (STATEMENT + rows + "03.04.2024;2.5;EUR;x;ACME GMBH;;B-4\n").encode(),
            "s.csv",
            actor="bank-sync",
        )
    assert [(p.line, p.field) for p in caught.value.problems] == [(5, "amount")]
    assert "'.'" in caught.value.problems[0].rule
    assert app.recorder.max_notification_id() == before

    importer(app).import_bytes((STATEMENT + rows).encode(), "s.csv", actor="bank-sync")
    (advance,) = [c for c in app.bank_credits() if c.credit.bank_reference == "B-2"]
    assert advance.credit.amount == Money.of("1000.00", EUR)
    assert app.customer_credit(ids["acme"]) == Money.of("1000.00", EUR)


def test_csv_amounts_that_show_no_decimal_mark_are_read_by_the_file() -> None:
    rows, problems, _ = read_bank_csv(
        'date,amount,currency,reference\n2024-04-02,"1,000",EUR,a\n2024-04-02,12.50,EUR,b\n'
    )
    assert problems == [] and [r.credit.amount.amount for r in rows] == [1000, Decimal("12.5")]
    _, ambiguous, _ = read_bank_csv("date;amount;currency;reference\n2024-04-02;1.000;EUR;a\n")
    assert [(p.line, p.field) for p in ambiguous] == [(2, "amount")]
    assert "ambiguous" in ambiguous[0].rule


@pytest.mark.parametrize("day", ["02.04.0024", "2099-04-02"])
def test_a_booking_date_in_an_implausible_year_refuses_the_statement(
    app_factory: Callable[[], QuoteToCash], day: str
) -> None:
    app = app_factory()
    build(app)
    text = STATEMENT + (
        "02.04.2024;595,00;EUR;INV-000002;ACME GMBH;;B-1\n"
        f"{day};238,00;EUR;INV-000003;ACME GMBH;;B-2\n"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer(app).import_bytes(text.encode(), "s.csv", actor="bank-sync")
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "date")]
    assert "implausible year" in caught.value.problems[0].rule
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []


def test_a_camt_booking_date_in_an_implausible_year_names_its_entry() -> None:
    text = (DATA / "camt053_statement.xml").read_text()
    good = "<BookgDt><Dt>2024-04-02</Dt></BookgDt>"
    bad = text.replace(good, good.replace("2024", "2099"), 1)
    _, problems, _ = read_camt053(bad.encode(), today=date(2024, 4, 2))
    (problem,) = problems
    lines = bad.splitlines()
    year_2099 = next(n for n, t in enumerate(lines, 1) if "2099-04-02" in t)
    entry = max(n for n, t in enumerate(lines, 1) if "<Ntry>" in t and n < year_2099)
    assert (problem.line, problem.field) == (entry, "BookgDt")
    assert "implausible year 2099" in problem.rule
