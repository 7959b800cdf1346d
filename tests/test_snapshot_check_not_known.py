"""A snapshot that lacks an attribute is compared unless the application really works that
attribute out from the events when it needs it: a voided draft's snapshot without its void day
(``Invoice.voided_on``, None meaning "voided on no day") makes the customer's unbilled work of
an earlier day wrong, so replay must find it; an older payment snapshot without its allocated
sum (summed again when first asked) is no difference."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from test_projections_story import A, authorized_request, story, work
from test_snapshot_check import _tamper
from test_story_prepaid_allowance import covered_request
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash, TaxRate
from q2c_core.snapshot_check import WORKED_OUT_FROM_EVENTS

runner = CliRunner(env={"COLUMNS": "400"})


def test_a_voided_draft_snapshot_without_its_void_day_is_a_mismatch(tmp_path: Path) -> None:
    """Acme's draft for 4 hours is voided on 9 May. Its snapshot with the void day taken out
    says the draft was voided on no day, so on 5 May the work looks unbilled-and-free where the
    events say the draft held it: replay names ``voided_on`` and exits 1."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    job = authorized_request(app, acme, "Job", date(2024, 5, 1))
    app.log_work(job, work("w1", date(2024, 5, 2), "4"), actor="bob")
    app.complete_request(job, completed_on=date(2024, 5, 2), actor=A)
    draft = app.draft_request_invoice(job, drafted_on=date(2024, 5, 3), actor="billy")
    app.void_invoice(draft, reason="oops", actor=A, voided_on=date(2024, 5, 9))
    app.take_snapshot(draft)
    held = app.customer_summary(acme, as_of=date(2024, 5, 5)).unbilled_work
    app.close()
    _tamper(url, draft, lambda state: state.pop("voided_on"))
    app = QuoteToCash.open(url)
    assert app.customer_summary(acme, as_of=date(2024, 5, 5)).unbilled_work != held
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    assert mismatch.aggregate_id == draft and mismatch.attributes == ("voided_on",)
    (difference,) = mismatch.differences
    assert (difference.in_snapshot, difference.from_events) == ("None", "2024-05-09")
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert "voided_on: None → 2024-05-09" in result.output


def test_an_allowance_snapshot_without_its_top_ups_is_a_mismatch(tmp_path: Path) -> None:
    """Without its top-ups' days an allowance counts a top-up of June from its grant in
    January: the hours granted by March differ, so the snapshot differs from its events."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    _, allowance, _ = covered_request(app)
    app.top_up_allowance(allowance, 3, topped_up_on=date(2024, 6, 1), reason="more", actor=A)
    app.take_snapshot(allowance)
    app.close()
    _tamper(url, allowance, lambda state: state.pop("top_ups"))
    app = QuoteToCash.open(url)
    (mismatch,) = app.verify_snapshots().mismatches
    app.close()
    assert mismatch.attributes == ("top_ups",)


def test_what_the_application_works_out_is_not_compared(tmp_path: Path) -> None:
    """Every attribute listed as worked out from the events, taken out of a snapshot of its
    aggregate, leaves the store checking clean: a payment's running sums and index, an
    invoice's applications, a contract's renewals and billed-through days."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    ids = story(app)
    by_class = {"Payment": "payment", "Invoice": "invoice", "Contract": "contract"}
    for aggregate in by_class.values():
        app.take_snapshot(ids[aggregate])
    app.close()
    assert {cls.__name__ for cls in WORKED_OUT_FROM_EVENTS} == set(by_class)
    for cls, names in WORKED_OUT_FROM_EVENTS.items():
        aggregate = ids[by_class[cls.__name__]]
        _tamper(url, aggregate, lambda state, names=names: [state.pop(n, None) for n in names])
    app = QuoteToCash.open(url)
    check = app.verify_snapshots()
    app.close()
    assert check.ok, check.mismatches
