"""A customer's handover, tax rate or payment terms sent again after a lost response.

Found by review: Mia's customers handed to Bob from 1 May, the HR tool's response lost, and the
same handover sent again was refused ("is the account manager already", naming
``to_manager``), so the tool reported a failure for a handover that had happened. Now the same
handover (the same person, however typed, from the same day) as the customer's last records
nothing and ``hand_over_customer`` answers False (True when it records). A handover back to a
manager on the day of a later one is a new handover, never a repeat. And a tax-rate or
payment-terms change sent again naming nobody was answered False, where the first sending is
refused naming ``actor``: a repeat checks its actor as the first call does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from test_account_manager_handover import MAY_1, Books
from test_step_sent_again_checks_its_actor import refused_naming_actor

from q2c_core import QuoteToCash, RuleViolated, TaxRate


def test_the_same_handover_sent_again_records_nothing_and_answers_false() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    assert app.hand_over_customer(books.acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    recorded = app.recorder.max_notification_id()
    again = app.hand_over_customer(books.acme, to_manager=" bob ", effective_on=MAY_1, actor="hr")
    assert again is False
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(books.acme).account_manager == "Bob"
    assert app.contract(books.contract).account_manager == "Bob"
    app.close()


def test_another_day_or_a_handover_back_is_no_repeat() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over(MAY_1, to="Bob")
    # Bob to Bob on another day: he is the manager already, refused as before
    with pytest.raises(RuleViolated) as refused:
        books.hand_over(date(2024, 6, 1), to="Bob")
    assert refused.value.field == "to_manager"
    books.hand_over(MAY_1, to="Zoe")
    # back to Bob on 1 May after Zoe took over that day: a handover, recorded
    recorded = app.recorder.max_notification_id()
    assert app.hand_over_customer(books.acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    assert app.recorder.max_notification_id() != recorded
    assert app.customer(books.acme).manager_on(MAY_1) == "Bob"
    app.close()


@pytest.mark.parametrize("actor", ["", "   ", "\u200b", None, 5])
def test_a_customer_change_sent_again_naming_nobody_is_refused(actor: Any) -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    books.hand_over(MAY_1, to="Bob")
    app.change_customer_tax_rate(
        books.acme, tax_rate=TaxRate.standard(19), effective=MAY_1, actor="hr"
    )
    app.change_customer_payment_terms(
        books.acme, payment_terms_days=45, effective=MAY_1, actor="hr"
    )
    repeats: list[Callable[[], object]] = [
        lambda: app.hand_over_customer(
            books.acme, to_manager="Bob", effective_on=MAY_1, actor=actor
        ),
        lambda: app.change_customer_tax_rate(
            books.acme, tax_rate=TaxRate.standard(19), effective=MAY_1, actor=actor
        ),
        lambda: app.change_customer_payment_terms(
            books.acme, payment_terms_days=45, effective=MAY_1, actor=actor
        ),
    ]
    refused_naming_actor(app, repeats)
    app.close()
