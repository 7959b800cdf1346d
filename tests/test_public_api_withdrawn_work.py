"""A developer embedding q2c reads what a request holds with the types `q2c_core` exports.

Dana typed 12 hours for 2 on Acme's request and the manager withdrew the entry
(`QuoteToCash.withdraw_work`). The README points at `EnhancementRequest.withdrawn` for the
withdrawal, with its reason and who: its items are `WithdrawnWork`, beside the `LoggedWork`
of `EnhancementRequest.work`, and both are importable from `q2c_core`, as `TimeEntry` is, so
code reading them (and type-checking against them) needs no private module path.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import q2c_core
from q2c_core import LoggedWork, Money, QuoteToCash, TaxRate, TimeEntry, WithdrawnWork


def test_the_withdrawn_entry_reads_with_exported_types(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    eur = lambda s: Money.of(s, "EUR")  # noqa: E731
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    req = app.open_request(acme, "Export to CSV", requested_on=date(2026, 3, 2), actor="pete")
    app.estimate_request(req, hours=10, rate=eur("100"), actor="pete")
    app.send_quote(req, sent_on=date(2026, 3, 3), actor="bea")
    app.receive_purchase_order(
        req, number="PO-1", amount=eur("1000"), received_on=date(2026, 3, 4), actor="bea"
    )
    app.authorize_work(req, authorized_on=date(2026, 3, 4), actor="pete")
    app.log_work(
        req, TimeEntry("t1", "dana", date(2026, 3, 5), Decimal("8"), eur("100")), actor="dana"
    )
    app.log_work(
        req, TimeEntry("t2", "dana", date(2026, 3, 5), Decimal("12"), eur("100")), actor="dana"
    )

    app.withdraw_work(req, "t2", reason="typed 12 for 2", actor="mia")

    request = app.request(req)
    [kept] = request.work
    [withdrawn] = request.withdrawn
    assert isinstance(kept, LoggedWork) and kept.entry.entry_id == "t1"
    assert isinstance(withdrawn, WithdrawnWork)
    assert (withdrawn.entry.entry_id, withdrawn.reason, withdrawn.actor) == (
        "t2",
        "typed 12 for 2",
        "mia",
    )
    assert {"LoggedWork", "WithdrawnWork"} <= set(q2c_core.__all__)
    app.close()
