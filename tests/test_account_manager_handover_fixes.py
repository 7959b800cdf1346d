"""Mia leaves; Bob takes over Acme from 1 May 2024 (``hand_over_customer``). What can still
be billed from that day on is handed over with Acme, whatever its status says:

- MC-1, given notice in April and terminated from 1 September, is TERMINATED at once yet billed
  May to August: May's run invoice names Bob, and so does its unbilled May period; a contract
  whose (cut) term ends on or before 1 May is handed over too (an invoice of it voided, or its
  last period billed in arrears, is drafted after 1 May), its days before 1 May staying Mia's;
- a request invoiced in April is billable again once its April invoice is voided in May (or
  late hours come in, or a re-billable credit note gives its work back): the invoice drafted
  in May names Bob, and its 400.00 unbilled is Bob's from 1 May; a cancelled request with work
  left to bill goes to Bob too. Every request naming Mia is handed over: its days before
  1 May stay Mia's (``manager_on`` is dated), so one that never bills again loses nothing;
- an ERP re-sync registering Acme by its reference with the details it was registered with
  (manager Mia) is a retry after the handover too, and one naming Bob, whom the ERP never
  registered, is refused as another registration;
- ``Commissions`` knows Bob as Acme's manager (``managers``: the plan's rate for Bob pays
  someone), with no commission line moved: commission stays with the manager an invoice
  names."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_account_manager_handover import (
    APRIL_30,
    MAY_1,
    A,
    Books,
    eur,
    followed_and_rebuilt,
    unbilled_by_manager,
)
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import (
    CreditDisposition,
    DuplicateEntry,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    TimeEntry,
)
from q2c_core.projections import Commissions, catch_up, rebuild
from q2c_core.projections.commissions import CommissionPlan, CommissionRate

JUNE_2 = date(2024, 6, 2)
MAY_10 = date(2024, 5, 10)

# -- 1. a contract given notice is billed until its term ends --------------------------------


def test_a_contract_given_notice_is_handed_over_and_mays_invoice_names_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.terminate_contract(
        books.contract,
        effective=date(2024, 9, 1),
        reason="notice given",
        actor=A,
        noticed_on=date(2024, 4, 15),
    )
    books.hand_over()
    contract = app.contract(books.contract)
    assert contract.account_manager == "Bob"
    assert contract.manager_on(APRIL_30) == "Mia" and contract.manager_on(MAY_1) == "Bob"
    run = app.run_billing(MAY_1, actor="billing")
    assert [app.invoice(d.invoice_id).account_manager for d in run.documents] == ["Bob"]
    unbilled, *_ = followed_and_rebuilt(app)
    # Export's four hours went to Bob with Acme, Dashboard's stay Zoe's; MC-1's June is Bob's
    assert unbilled_by_manager(unbilled, JUNE_2) == {"Bob": Decimal(500), "Zoe": Decimal(400)}
    app.close()


def test_a_contract_whose_expiry_is_recorded_ahead_is_handed_over_too() -> None:
    """Its expiry at the term's end recorded in April (EXPIRED at once): still billed from May
    to December, so Bob's from 1 May."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.expire_contract(books.contract, effective=date(2025, 1, 1), actor=A)
    books.hand_over()
    assert app.contract(books.contract).manager_on(MAY_1) == "Bob"
    app.close()


@settings(max_examples=12, deadline=None)
@given(end=st.dates(min_value=date(2024, 4, 2), max_value=date(2024, 12, 31)))
def test_a_terminated_contract_is_handed_over_whatever_day_its_term_ends(
    end: date,
) -> None:
    """Terminated from any day, before 1 May or after: handed over, as what it drafts from 1
    May on (a last period in arrears, an invoice voided drafted again) is Bob's; its days
    before 1 May stay Mia's."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.terminate_contract(
        books.contract, effective=end, reason="notice given", actor=A, noticed_on=date(2024, 4, 1)
    )
    books.hand_over()
    contract = app.contract(books.contract)
    assert contract.manager_on(APRIL_30) == "Mia"
    assert contract.account_manager == "Bob"
    app.close()


# -- 2. a request invoiced before the handover bills again after it ----------------------------


def invoiced_in_april(app: QuoteToCash, books: Books) -> UUID:
    """Export completed on 15 April and invoiced whole on 20 April (INVOICED)."""
    app.complete_request(books.export, completed_on=date(2024, 4, 15), actor=A)
    april = app.draft_request_invoice(books.export, drafted_on=date(2024, 4, 20), actor=A)
    assert app.request(books.export).status is RequestStatus.INVOICED
    return april


def test_a_request_invoiced_in_april_and_voided_in_may_is_billed_for_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    april = invoiced_in_april(app, books)
    books.hand_over()
    app.void_invoice(april, reason="wrong PO", actor=A, voided_on=date(2024, 5, 5))
    unbilled, *_ = followed_and_rebuilt(app)
    # Export's 400.00 again, and MC-1's May period, are Bob's; Dashboard's stay Zoe's
    assert unbilled_by_manager(unbilled, MAY_10) == {"Bob": Decimal(500), "Zoe": Decimal(400)}
    may = app.draft_request_invoice(books.export, drafted_on=MAY_10, actor=A)
    assert app.invoice(may).account_manager == "Bob"
    # the April invoice keeps Mia: drafted before the handover
    assert app.invoice(april).account_manager == "Mia"
    app.close()


def test_late_hours_on_a_request_invoiced_before_the_handover_are_billed_for_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    invoiced_in_april(app, books)
    books.hand_over()
    late = TimeEntry("t-late", "dev", date(2024, 4, 12), Decimal(2), eur(100))
    app.log_work(books.export, late, actor="dev")
    assert app.request(books.export).status is RequestStatus.COMPLETED
    may = app.draft_request_invoice(books.export, drafted_on=MAY_10, actor=A)
    assert app.invoice(may).account_manager == "Bob"
    app.close()


def test_work_given_back_by_a_rebillable_credit_note_is_billed_for_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    april = invoiced_in_april(app, books)
    on = date(2024, 4, 20)
    app.approve_invoice(april, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(april, role="account_manager", approved_on=on, actor="Mia")
    app.issue_invoice(april, issued_on=on, actor="bea")
    books.hand_over()
    note = app.draft_credit_note(
        april,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong rate",
        drafted_on=date(2024, 5, 5),
        actor=A,
    )
    app.approve_invoice(note, role="billing", approved_on=date(2024, 5, 5), actor="bea")
    app.approve_invoice(note, role="account_manager", approved_on=date(2024, 5, 5), actor="Bob")
    app.issue_invoice(note, issued_on=date(2024, 5, 5), actor="bea")
    assert app.request(books.export).status is RequestStatus.COMPLETED
    may = app.draft_request_invoice(books.export, drafted_on=MAY_10, actor=A)
    assert app.invoice(may).account_manager == "Bob"
    app.close()


def test_a_cancelled_request_with_work_left_to_bill_is_billed_for_bob() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.cancel_request(books.export, cancelled_on=date(2024, 4, 25), reason="stop", actor=A)
    books.hand_over()
    request = app.request(books.export)
    assert request.manager_on(APRIL_30) == "Mia" and request.account_manager == "Bob"
    may = app.draft_request_invoice(books.export, drafted_on=MAY_10, actor=A)
    assert app.invoice(may).account_manager == "Bob"
    unbilled, *_ = followed_and_rebuilt(app)
    assert "Mia" not in unbilled_by_manager(unbilled, MAY_1)
    app.close()


def test_every_request_naming_mia_goes_to_bob_and_keeps_its_days_before() -> None:
    """A declined quote bills nothing ever again: handed over all the same, it names Mia on
    every day before 1 May; Dashboard, Zoe's on purpose, stays Zoe's."""
    app = QuoteToCash.open("memory:")
    books = Books(app)
    app.decline_request(books.reports, reason="too dear", actor=A)
    books.hand_over()
    reports = app.request(books.reports)
    assert reports.manager_on(APRIL_30) == "Mia" and reports.account_manager == "Bob"
    assert app.request(books.dashboard).account_manager == "Zoe"
    app.close()


# -- 3. an ERP re-sync after the handover ----------------------------------------------------


def erp_sync(app: QuoteToCash, manager: str) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager=manager, actor="erp", reference="ERP-1"
    )


def test_the_erp_registering_acme_again_as_it_did_is_a_retry_after_the_handover() -> None:
    app = QuoteToCash.open("memory:")
    acme = erp_sync(app, "Mia")
    app.hand_over_customer(acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    app.hand_over_customer(acme, to_manager="Zoe", effective_on=JUNE_2, actor="hr")
    recorded = app.recorder.max_notification_id()
    assert erp_sync(app, "Mia") == acme
    assert erp_sync(app, " mia") == acme  # (the same person however typed)
    assert app.recorder.max_notification_id() == recorded
    assert app.customer(acme).account_manager == "Zoe"
    app.close()


def test_an_erp_that_keeps_handovers_syncing_acme_with_zoe_is_a_retry() -> None:
    """Acme is Zoe's now: an ERP that follows handovers sends her, and that is what q2c holds
    (refused, every later sync of Acme failed for good)."""
    app = QuoteToCash.open("memory:")
    acme = erp_sync(app, "Mia")
    app.hand_over_customer(acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    app.hand_over_customer(acme, to_manager="Zoe", effective_on=JUNE_2, actor="hr")
    recorded = app.recorder.max_notification_id()
    assert erp_sync(app, "Zoe") == acme
    assert erp_sync(app, "zoe ") == acme
    assert app.recorder.max_notification_id() == recorded
    app.close()


def test_a_handover_recorded_ahead_leaves_the_sync_of_todays_manager_a_retry() -> None:
    """Acme is Bob's since 1 May and is to be Zoe's from a day two years ahead: Bob is its
    manager today, so the ERP's sync naming Bob is a retry; naming Zoe, whom Acme is not
    managed by yet, it is refused."""
    app = QuoteToCash.open("memory:")
    acme = erp_sync(app, "Mia")
    app.hand_over_customer(acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    ahead = date.today() + timedelta(days=730)
    app.hand_over_customer(acme, to_manager="Zoe", effective_on=ahead, actor="hr")
    recorded = app.recorder.max_notification_id()
    assert erp_sync(app, "Bob") == acme
    with pytest.raises(DuplicateEntry) as refused:
        erp_sync(app, "Zoe")
    assert refused.value.field == "reference" and "account_manager" in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    app.close()


@pytest.mark.parametrize("manager", ["Bob", "Ann"])
def test_a_re_sync_naming_a_manager_acme_has_neither_registered_nor_now_is_refused(
    manager: str,
) -> None:
    app = QuoteToCash.open("memory:")
    acme = erp_sync(app, "Mia")
    app.hand_over_customer(acme, to_manager="Bob", effective_on=MAY_1, actor="hr")
    app.hand_over_customer(acme, to_manager="Zoe", effective_on=JUNE_2, actor="hr")
    recorded = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        erp_sync(app, manager)
    assert refused.value.field == "reference" and "account_manager" in str(refused.value)
    assert app.recorder.max_notification_id() == recorded
    app.close()


# -- 5. commissions know the manager Acme was handed over to ---------------------------------


def test_commissions_know_bob_once_acme_is_his_and_move_no_commission() -> None:
    app = QuoteToCash.open("memory:")
    books = Books(app)
    before = Commissions()
    rebuild(app, [before])
    handed_over_after = app.recorder.max_notification_id()
    books.hand_over(MAY_1, "bob")  # (Bob as HR typed him)
    followed, rebuilt = Commissions(), Commissions()
    catch_up(app, [followed], page_size=1)
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    assert rebuilt.managers() == {"Mia", "bob"}
    plan = CommissionPlan(
        (CommissionRate("Bob", RevenueKind.MAINTENANCE, Decimal("0.05"), date(2024, 1, 1)),)
    )
    assert plan.unknown_managers(rebuilt.managers()) == []
    # no invoice or commission row changed: April's invoice is Mia's
    assert rebuilt.lines() == before.lines()
    assert {k: v for k, v in rebuilt.rows().items() if k.startswith(("inv:", "cn:"))} == {
        k: v for k, v in before.rows().items() if k.startswith(("inv:", "cn:"))
    }
    # as of a moment before the handover, Bob is not known yet
    as_of = Commissions()
    rebuild(app, [as_of], until=handed_over_after)
    assert as_of.managers() == {"Mia"}
    app.close()


def test_the_commissions_report_does_not_warn_that_bobs_rate_pays_nobody(tmp_path: Path) -> None:
    """``q2c report commissions --commission-plan`` with a rate for Bob, after Acme went to
    him: no warning that the plan names someone no customer has as account manager; a rate
    for Zed, whom nobody has, is still warned of."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    Books(app).hand_over()
    app.close()
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            [
                {"manager": manager, "revenue_kind": "maintenance", "rate": "0.05"}
                for manager in ("Bob", "Zed")
            ]
        )
    )
    args = ["report", "commissions", "--url", url, "--commission-plan", str(plan)]
    report = CliRunner(env={"COLUMNS": "400"}).invoke(cli, [*args, "--as-of", "2099-01-01"])
    assert report.exit_code == 0, report.output
    assert "'Zed', whom no customer" in report.stderr
    assert "'Bob'" not in report.stderr
