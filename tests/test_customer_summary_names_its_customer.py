"""A customer summary names its customer by its id, however the customer was asked for.

Found by review: ``customer_summary`` found Acme by its id given as text (a CLI argument, a
row of a CSV) and gave the summary back naming the text, not Acme's id: a script comparing
it with ``register_customer``'s id, or keying a dictionary of summaries by it, never found
Acme. Now the summary names the customer's id, today and as of a day.
"""

from __future__ import annotations

from datetime import date

from q2c_core import QuoteToCash


def test_asked_by_its_id_as_text_the_summary_names_acme_s_id() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    for asked in (acme, str(acme), acme.hex):
        assert app.customer_summary(asked).customer_id == acme  # type: ignore[arg-type]
        summary = app.customer_summary(asked, as_of=date(2024, 5, 1))  # type: ignore[arg-type]
        assert summary.customer_id == acme
