"""One contract the rules refuse to bill no longer stops the month-end run for every customer.

The run bills every other contract, records nothing for the refused one and lists it as needing
attention (contract, period, the refusal's field and rule) in its result and, as it goes, to an
``attention`` callback; a rerun once it is dealt with bills it, exactly once. A storage that
cannot be reached, a version clash or a refusal of the run's own day still stop the run.

The refusal is made by patching the billing of one sub-contract to raise ``RuleViolated``: it
stands in for a contract history recorded by an older q2c version, before a rule existed, that
the rules now refuse to bill (say, days to credit that no invoice bills).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from test_contract_billing_backends import A, setup, sub
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    BillingFrequency,
    ConcurrencyConflict,
    InvalidValue,
    Period,
    QuoteToCash,
    RuleViolated,
    StorageUnavailable,
    billing_run,
)
from q2c_core.billing_run import BillingRunResult, SkippedContract

JAN = Period(date(2024, 1, 1), date(2024, 2, 1))
FEB = Period(date(2024, 2, 1), date(2024, 3, 1))
OLD_DATA = "days to credit that no invoice bills (recorded by an older version)"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[QuoteToCash, UUID]]:
    """Six contracts of Acme and Globex's broken one, on a SQLite file (so workers can share
    it); the broken contract's sub-contract is "OLD"."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    setup(app, 6)
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor=A)
    broken = app.sign_contract(
        globex,
        number="MC-OLD",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=[sub("OLD")],
    )
    app.activate_contract(broken, effective=date(2024, 1, 1), actor=A)
    yield app, broken
    app.close()


def refuse_old(monkeypatch: pytest.MonkeyPatch, error: Exception | None = None) -> None:
    """Billing the "OLD" sub-contract is refused, as its older history would be."""
    real = billing_run.charge_period

    def charge(subs: Any, period: Period, *args: Any) -> Any:
        subs = list(subs)
        if any(s.sub_id == "OLD" for s in subs):
            raise error or RuleViolated(OLD_DATA, field="period", value=str(period))
        return real(subs, period, *args)

    monkeypatch.setattr(billing_run, "charge_period", charge)


def documents(result: BillingRunResult) -> list[tuple[UUID, str, str]]:
    return [(d.contract_id, str(d.period), str(d.net.amount)) for d in result.documents]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_run_bills_everyone_else_and_flags_the_contract_it_could_not_bill(
    store: tuple[QuoteToCash, UUID], monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    app, broken = store
    version = app.contract(broken).version
    refuse_old(monkeypatch)
    preview = app.preview_billing(date(2024, 2, 1))
    assert preview and all(d.contract_id != broken for d in preview)

    flagged: list[SkippedContract] = []
    progress: list[tuple[int, int]] = []
    result = app.run_billing(
        date(2024, 2, 1),
        actor="run",
        workers=workers,
        batch_size=2,
        progress=lambda done, total: progress.append((done, total)),
        attention=flagged.append,
    )
    # every other contract billed, as previewed: January and February of each of the six
    assert sorted(documents(result)) == sorted(
        (d.contract_id, str(d.period), str(d.net.amount)) for d in preview
    )
    assert len(result.documents) == 12
    assert progress[-1] == (7, 7)
    [item] = result.needs_attention
    assert result.skipped == result.needs_attention
    assert (item.contract_id, item.number, item.period) == (broken, "MC-OLD", JAN)
    assert (item.field, item.reason, item.error) == ("period", OLD_DATA, "RuleViolated")
    assert flagged == [item]  # reported as the run went
    # nothing recorded for it: no event, no invoice
    assert app.contract(broken).version == version
    assert app.contract(broken).billed == {}

    # a rerun while it is not dealt with bills nothing twice and flags it again
    again = app.run_billing(date(2024, 2, 1), actor="run", workers=workers)
    assert again.documents == () and again.needs_attention == (item,)

    monkeypatch.undo()  # its history dealt with
    fixed = app.run_billing(date(2024, 2, 1), actor="run", workers=workers)
    assert [(d.contract_id, d.period) for d in fixed.documents] == [(broken, JAN), (broken, FEB)]
    assert fixed.needs_attention == ()
    assert app.run_billing(date(2024, 2, 1), actor="run", workers=workers).documents == ()


@pytest.mark.parametrize(
    "error",
    [
        StorageUnavailable("the database does not answer", field="url"),
        ConcurrencyConflict("another writer kept changing it", field="contract"),
        KeyError("a bug, not a refusal"),
    ],
    ids=["unreachable storage", "version clash", "not a refusal"],
)
def test_what_is_wrong_with_no_contract_still_stops_the_run(
    store: tuple[QuoteToCash, UUID], monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    app, _broken = store
    refuse_old(monkeypatch, error)
    with pytest.raises(type(error)):
        app.run_billing(date(2024, 2, 1), actor="run", batch_size=100)
    with pytest.raises(type(error)):
        app.preview_billing(date(2024, 2, 1))


def test_a_refusal_of_the_runs_own_day_still_stops_it(
    store: tuple[QuoteToCash, UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's day refused by one contract would be refused by every one: the run stops,
    as it did, nothing recorded (one batch)."""
    app, _broken = store
    refuse_old(monkeypatch, InvalidValue("past the last term", field="as_of"))
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(date(2024, 2, 1), actor="run", batch_size=100)
    assert refused.value.field == "as_of"
    monkeypatch.undo()
    assert len(app.run_billing(date(2024, 2, 1), actor="run").documents) == 14


def test_a_callback_that_is_not_callable_is_refused(store: tuple[QuoteToCash, UUID]) -> None:
    app, _broken = store
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(date(2024, 2, 1), actor="run", attention="print")  # type: ignore[arg-type]
    assert refused.value.field == "attention"
    assert app.preview_billing(date(2024, 2, 1))  # nothing billed


def test_results_built_as_before_still_are_results() -> None:
    """``SkippedContract`` and ``BillingRunResult`` built with the fields they had read the
    new ones as their defaults."""
    item = SkippedContract(UUID(int=1), "MC-1", UUID(int=2), "tax_rate", "must be a TaxRate")
    assert (item.period, item.error) == (None, "InvalidValue")
    result = BillingRunResult(date(2024, 2, 1), 1, (), (), 0, 0, (item,))
    assert result.needs_attention == (item,)
    assert attrs.evolve(result, skipped=()).needs_attention == ()


def test_q2c_bill_says_which_contract_needs_attention(
    store: tuple[QuoteToCash, UUID], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``q2c bill`` bills the others and says on standard error which contract needs
    attention: its number and id, the period, the refusal's field and rule."""
    app, broken = store
    url = f"sqlite:///{tmp_path / 'q2c.db'}"  # (the store's file)
    refuse_old(monkeypatch)
    run = CliRunner().invoke(cli, ["bill", "--url", url, "--as-of", "2024-01-01", "--actor", "run"])
    assert run.exit_code == 0, run.output
    assert f"skipped contract MC-OLD ({broken}): period: {OLD_DATA}" in run.stderr
    assert "needs attention: RuleViolated, period 2024-01-01" in run.stderr
    assert app.contract(broken).billed == {}
