"""Card numbers are never stored: Luhn-valid runs of 13-19 digits are refused."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.bank_credit import BankCredit, StatementCredit, SuspenseReason
from q2c_core.domain.cards import contains_card_number, luhn_valid, refuse_card_numbers
from q2c_core.domain.errors import CardNumberRefused
from q2c_core.domain.money import Money
from q2c_core.domain.payment import Payment

FAST = settings(max_examples=80, deadline=None)


def with_check_digit(body: str) -> str:
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "paid with 4111 1111 1111 1111 thanks",
        "card 4111-1111-1111-1111",
        "378282246310005",  # amex, 15 digits
        "ref:5555555555554444;",
        "4222222222222",  # 13 digits
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert contains_card_number(text)
    with pytest.raises(CardNumberRefused) as refused:
        refuse_card_numbers("reference", text)
    assert refused.value.field == "reference"
    assert "4111" not in str(refused.value)  # the refusal itself never repeats the number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "INV-000001 INV-000002",
        "4111111111111112",  # Luhn-invalid
        "411111111111",  # 12 digits
        "IBAN NL91ABNA0417164300",
        "order 2024-03-01 amount 1200.00",
    ],
)
def test_ordinary_references_pass(text: str) -> None:
    assert not contains_card_number(text)
    refuse_card_numbers("reference", text)


@FAST
@given(
    st.integers(min_value=12, max_value=18).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    ),
    # letters that never start an IBAN, which may hold a card's digits and is no card
    st.text(alphabet="QWZ xyz:/", max_size=10),
    st.text(alphabet="QWZ xyz:/", max_size=10),
    st.sampled_from(["", " ", "-", "  ", ".", "/", "_", "\u00a0", "\u202f", "\u2007", "\t", " - "]),
)
def test_any_luhn_valid_13_to_19_digit_run_is_refused(
    body: str, before: str, after: str, sep: str
) -> None:
    """Any Luhn-valid run of 13 to 19 digits, plain or grouped by any run of separators (spaces
    of any kind, dots, slashes, dashes, underscores), anywhere in the text, is a card number."""
    number = with_check_digit(body)
    grouped = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    assert contains_card_number(f"{before}{grouped}{after}")


@pytest.mark.parametrize(
    "text",
    [
        "card 4111.1111.1111.1111 order 77",
        "card 4111\u00a01111\u00a01111\u00a01111",  # non-breaking spaces, as a PDF copies them
        "card 4111\u202f1111\u202f1111\u202f1111",  # narrow no-break spaces
        "card 4111\u20071111\u20071111\u20071111",  # figure spaces
        "card 4111\t1111\t1111\t1111",
        "card 4111/1111/1111/1111",
        "card 4111  1111  1111  1111",
        "card 4111_1111_1111_1111",
        "card 4111 - 1111 - 1111 - 1111",
        "card 4111\u20131111\u20131111\u20131111",  # en dashes
        "card 4111\u200b1111\u200b1111\u200b1111",  # zero-width spaces
        "amex 3782.822463.10005",
        "order 77 4111 1111 1111 1111",  # a number before the card does not hide it
        "4111 1111 1111 1111 2024",  # nor one after it
        "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
    ],
)
def test_card_numbers_written_with_any_separators_are_refused(text: str) -> None:
    """A customer copies the card number from a receipt or a PDF: dots, slashes, non-breaking or
    doubled spaces between the groups do not make it any less a card number."""
    assert contains_card_number(text)
    with pytest.raises(CardNumberRefused) as refused:
        refuse_card_numbers("remittance", text)
    assert refused.value.field == "remittance"
    assert "1111" not in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "AT70 4111 1111 1111 1111",  # an IBAN holding the card's digits is an IBAN
        "AT704111111111111111",
        "iban at70 4111 1111 1111 1111 thanks",
        "DE95 4111 1111 1111 1111 00",
        "paid from DE95411111111111111100 for INV-000001",
        "RF18 5390 0754 7034",  # a structured creditor reference
        "INV-000001 INV-000002",
        "INV-000001 2024-03-01 1200.00",
        "INV-000001 01.03.2024 1.190,00 EUR",
        "order 2024/03/01 INV-000004 750.00",
        "Rechnung 2024-000123 vom 01.03.2024 Betrag 1190.00",
        "tel +49 30 1234 5678 ref 2024.03.01",
    ],
)
def test_ibans_invoice_numbers_dates_and_amounts_pass(text: str) -> None:
    assert not contains_card_number(text)
    refuse_card_numbers("remittance", text)


def test_a_card_number_beside_an_iban_is_still_refused() -> None:
    assert contains_card_number("AT70 4111 1111 1111 1111 card 4111.1111.1111.1111")
    assert contains_card_number("DE95411111111111111100 4111 1111 1111 1111")


def test_a_card_number_as_the_payers_account_is_refused() -> None:
    """A statement's account_number column holding a card number never becomes a booked credit;
    a payer's IBAN holding the same digits does."""
    carded = StatementCredit(
        booked_on=date(2024, 4, 2),
        amount=Money.of("100.00", "EUR"),
        bank_reference="R-1",
        debtor_account="4111111111111111",
    )
    with pytest.raises(CardNumberRefused) as refused:
        BankCredit(
            credit_key="R-1",
            credit=carded,
            import_id=uuid4(),
            actor="bank-sync",
            suspense_reason=SuspenseReason.UNKNOWN_CUSTOMER,
        )
    assert refused.value.field == "debtor_account"
    booked = BankCredit(
        credit_key="R-1",
        credit=attrs.evolve(carded, debtor_account="AT704111111111111111"),
        import_id=uuid4(),
        actor="bank-sync",
        suspense_reason=SuspenseReason.UNKNOWN_CUSTOMER,
    )
    assert booked.credit.debtor_account == "AT704111111111111111"


@pytest.mark.parametrize("field", ["reference", "note"])
def test_a_payment_is_checked_for_card_numbers_when_received_not_when_replayed(
    field: str,
) -> None:
    """A new payment's reference or note holding a card number is refused; a payment received
    before the rules grew stricter (dots between the groups) replays from its events."""
    facts = {"reference": "R-1", "note": "order 77", field: "4111.1111.1111.1111"}
    with pytest.raises(CardNumberRefused) as refused:
        Payment(uuid4(), Money.of("100.00", "EUR"), date(2024, 4, 2), actor="bank-sync", **facts)
    assert refused.value.field == field
    received = Payment(uuid4(), Money.of("100.00", "EUR"), date(2024, 4, 2), "R-1", "bank-sync")
    (event,) = received.collect_events()
    as_stored = event.__class__(**{**event.__dict__, field: "4111.1111.1111.1111"})
    replayed = as_stored.mutate(None)
    assert getattr(replayed, field) == "4111.1111.1111.1111"
