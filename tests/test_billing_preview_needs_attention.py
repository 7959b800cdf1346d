"""A clerk previewing month end sees which contracts the run will not bill.

``preview_billing(as_of, attention=callback)`` passes the callback each contract the run would
skip (``SkippedContract``: contract, period, the refusal's field and rule), the same items in the
same order as the run's ``needs_attention``, and still records nothing; ``q2c bill --preview``
prints them on standard error as ``q2c bill`` prints the run's.

The refusal is made as in ``test_billing_run_contract_needs_attention``: billing any sub-contract
named "OLD" raises ``RuleViolated``, standing in for a history an older q2c version recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from test_billing_run_contract_needs_attention import FEB, JAN, OLD_DATA, refuse_old
from test_contract_billing_backends import A, setup, sub
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import BillingFrequency, InvalidValue, Period, QuoteToCash
from q2c_core.billing_run import SkippedContract

MONTH_END = date(2024, 2, 1)


def old_contract(app: QuoteToCash, customer: UUID, number: str, start: date) -> UUID:
    """A monthly contract from ``start`` to 2025, active, billing sub-contract "OLD" (the one
    ``refuse_old`` makes the rules refuse)."""
    contract = app.sign_contract(
        customer,
        number=number,
        term=Period(start, date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=start,
        actor=A,
        sub_contracts=[sub("OLD", start)],
    )
    app.activate_contract(contract, effective=start, actor=A)
    return contract


@pytest.fixture
def books(tmp_path: Path) -> Iterator[tuple[QuoteToCash, list[UUID]]]:
    """Globex's old contract MC-OLD-1 (from January), three good contracts of Acme, then
    Globex's MC-OLD-2 (from February), on a SQLite file; both old ones bill sub-contract "OLD"."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor=A)
    first = old_contract(app, globex, "MC-OLD-1", date(2024, 1, 1))
    setup(app, 3)
    second = old_contract(app, globex, "MC-OLD-2", date(2024, 2, 1))
    yield app, [first, second]
    app.close()


def recorded(app: QuoteToCash) -> int | None:
    return app.recorder.max_notification_id()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_preview_flags_the_contracts_the_run_will_skip_and_records_nothing(
    books: tuple[QuoteToCash, list[UUID]], monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    app, [first, second] = books
    refuse_old(monkeypatch)
    before = recorded(app)

    flagged: list[SkippedContract] = []
    drafts = app.preview_billing(MONTH_END, actor="clerk", attention=flagged.append)
    assert drafts == app.preview_billing(MONTH_END)  # the same documents as without a callback
    assert [(f.contract_id, f.number, f.period) for f in flagged] == [
        (first, "MC-OLD-1", JAN),
        (second, "MC-OLD-2", FEB),
    ]
    assert {(f.field, f.reason, f.error) for f in flagged} == {("period", OLD_DATA, "RuleViolated")}
    assert recorded(app) == before  # a preview records nothing, flagged or not

    result = app.run_billing(MONTH_END, actor="billing", batch_size=2, workers=workers)
    assert list(result.needs_attention) == flagged  # the same items, in the same order
    assert len(result.documents) == len(drafts) == 6


def test_a_preview_callback_that_is_not_callable_is_refused(
    books: tuple[QuoteToCash, list[UUID]],
) -> None:
    app, _old = books
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        app.preview_billing(MONTH_END, attention="print")  # type: ignore[arg-type]
    assert refused.value.field == "attention"
    assert recorded(app) == before


def test_q2c_bill_preview_says_which_contracts_will_need_attention(
    books: tuple[QuoteToCash, list[UUID]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, [first, second] = books
    url = f"sqlite:///{tmp_path / 'q2c.db'}"  # (the books' file)
    refuse_old(monkeypatch)
    before = recorded(app)
    shown = CliRunner().invoke(
        cli, ["bill", "--url", url, "--as-of", str(MONTH_END), "--actor", "clerk", "--preview"]
    )
    assert shown.exit_code == 0, shown.output
    assert "Preview of the billing run" in shown.stdout and "│     6 │" in shown.stdout
    assert f"skipped contract MC-OLD-1 ({first}): period: {OLD_DATA}" in shown.stderr
    assert "needs attention: RuleViolated, period 2024-01-01" in shown.stderr
    assert f"skipped contract MC-OLD-2 ({second}): period: {OLD_DATA}" in shown.stderr
    assert shown.stderr.index("MC-OLD-1") < shown.stderr.index("MC-OLD-2")
    assert recorded(app) == before


@pytest.mark.parametrize("preview", [True, False])
def test_when_every_due_contract_is_skipped_q2c_bill_does_not_say_nothing_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """Globex's one contract is old data the rules refuse: nothing is drafted, but something
    is due. ``q2c bill`` (and its preview) says that nothing was drafted and that a contract
    needs attention; it said "nothing is due: every period up to this date is billed"."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor=A)
    old_contract(app, globex, "MC-OLD-1", JAN.start)
    app.close()
    refuse_old(monkeypatch)
    args = ["bill", "--url", url, "--as-of", str(MONTH_END), "--actor", "clerk"]
    shown = CliRunner().invoke(cli, args + (["--preview"] if preview else []))
    assert shown.exit_code == 0, shown.output
    assert "nothing is due" not in shown.stdout
    assert "1 contract needs attention" in shown.stdout
    assert "skipped contract MC-OLD-1" in shown.stderr
