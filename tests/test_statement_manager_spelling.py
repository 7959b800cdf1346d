"""A customer statement names the account manager as every other report does.

Acme is registered with account manager "mia", Globex with "MIA " (caps lock, a trailing
space): one person (``person_key``). The commissions, unbilled and review reports show her as
"mia", the spelling the books first named her by; Globex's statement did too, not "MIA ", so
a statement grouped or filtered by manager finds both customers under one person. Followed
event by event or rebuilt, the statements show the same spelling.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import QuoteToCash
from q2c_core.projections import (
    Commissions,
    CustomerStatement,
    ProjectionStore,
    all_projections,
    catch_up,
)


def test_a_manager_typed_otherwise_is_shown_as_first_recorded_on_the_statement() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    globex = app.register_customer("Globex", "EUR", account_manager="MIA ", actor="bea")
    projections = all_projections()
    catch_up(app, projections)
    statements = next(p for p in projections if isinstance(p, CustomerStatement))
    commissions = next(p for p in projections if isinstance(p, Commissions))
    assert commissions.managers() == {"mia"}
    assert statements.statement(acme).account_manager == "mia"
    assert statements.statement(globex).account_manager == "mia"


# one person typed several ways
SPELLINGS = st.sampled_from(["Mia", "mia", "MIA ", " mia", "m\u200bia", "ｍｉａ", "Bob", "bob  "])


@settings(max_examples=30, deadline=None)
@given(managers=st.lists(SPELLINGS, min_size=1, max_size=6), split=st.integers(0, 6))
def test_every_statement_shows_a_person_by_the_spelling_the_other_reports_show(
    managers: list[str], split: int
) -> None:
    """Whatever spellings the customers were registered with, each statement's manager is the
    spelling the commissions report knows that person by; following the books in two steps
    shows what one rebuild shows."""
    app = QuoteToCash.open("memory:")
    followed = CustomerStatement(ProjectionStore.memory())
    customers = []
    for n, manager in enumerate(managers):
        customers.append(
            app.register_customer(f"Customer {n}", "EUR", account_manager=manager, actor="bea")
        )
        if n + 1 == split:
            catch_up(app, [followed])
    catch_up(app, [followed])
    projections = all_projections()
    catch_up(app, projections)
    rebuilt = next(p for p in projections if isinstance(p, CustomerStatement))
    commissions = next(p for p in projections if isinstance(p, Commissions))
    shown = commissions.managers()
    for customer in customers:
        manager = rebuilt.statement(customer).account_manager
        assert manager in shown
        assert followed.statement(customer).account_manager == manager
    assert len({rebuilt.statement(c).account_manager for c in customers}) == len(shown)
