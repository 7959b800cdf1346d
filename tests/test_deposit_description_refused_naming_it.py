"""Billy drafts Acme's down payment with a description pasted from an email: a zero-width space
alone, a bell character, a card number read out on the phone. Each is refused naming
``description``, the argument he gave, as a description of spaces alone always was; nothing is
recorded. Before, the refusal named ``lines.L1.description``, a line he never typed (the deposit
invoice's one line is q2c's), so a form showing errors by field showed none of them.
"""

from __future__ import annotations

import pytest
from test_deposits_by_their_commands import D, customer, eur

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize(
    "description",
    [" ", "\u200b", "\ufeff", "Deposit\x07", "Deposit\x85", "card 4111 1111 1111 1111"],
    ids=["spaces", "zero-width space", "byte order mark", "bell", "next line", "card number"],
)
def test_a_deposit_description_refused_names_description(
    app: QuoteToCash, description: str
) -> None:
    acme = customer(app)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.draft_deposit_invoice(
            acme, eur(300), description=description, drafted_on=D, actor="billy"
        )

    assert refused.value.field == "description"
    assert str(refused.value).count("description: ") == 1
    assert app.recorder.max_notification_id() == before
    assert app.invoices(acme) == []
