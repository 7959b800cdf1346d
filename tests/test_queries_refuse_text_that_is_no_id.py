"""Every read-model query that takes a customer's id refuses text that is no id, naming
``customer_id``, as ``hours_left`` and ``document_lines`` do.

Found by review: ``UnbilledRevenue.customer_total("Acme", ...)`` (the customer's name) answered
0.00, as for a customer with nothing unbilled, and ``CustomerStatement.statement("Acme")`` said
there was no such customer: a mistyped id read as a fact about the books."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_projections_story import A

from q2c_core import InvalidValue, Money, QuoteToCash
from q2c_core.projections import CustomerStatement, UnbilledRevenue, catch_up

DAY = date(2025, 3, 3)


def test_a_customers_name_is_no_id_to_the_queries(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    unbilled, statements = UnbilledRevenue(), CustomerStatement()
    catch_up(app, [unbilled, statements])

    for spelled in (acme, str(acme), acme.hex, acme.hex.upper()):
        assert unbilled.customer_total(spelled, "EUR", DAY) == Money.of("0.00", "EUR")
        assert statements.statement(spelled).customer_id == acme.hex
    for wrong in ("Acme", "", acme.hex[:-1]):
        with pytest.raises(InvalidValue) as refused:
            unbilled.customer_total(wrong, "EUR", DAY)
        assert refused.value.field == "customer_id"
        with pytest.raises(InvalidValue) as refused:
            statements.statement(wrong)
        assert refused.value.field == "customer_id"
    app.close()
