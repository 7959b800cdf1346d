"""A commission plan names managers the way people type them, and gives each manager one rate
per revenue kind and day: "Mia" in the plan is mia (the rest of q2c matches people by
``person_key``), two rates for mia's enhancements from the same day are refused when the plan is
made (so the order of the entries can never decide what she is paid), and the same entries given
in another order are the same plan, for a live store as for a fresh build."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from test_story_invoice import approve, eur, manual
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import InvalidValue, QuoteToCash, RevenueKind, RuleViolated, TaxRate
from q2c_core.projections import (
    DEFAULT_PLAN,
    CommissionPlan,
    CommissionRate,
    Commissions,
    ProjectionStore,
    catch_up,
    rebuild,
)

ENHANCEMENT, MAINTENANCE = RevenueKind.ENHANCEMENT, RevenueKind.MAINTENANCE
NEW_YEAR, MARCH_1, MARCH_10 = date(2026, 1, 1), date(2026, 3, 1), date(2026, 3, 10)
runner = CliRunner()


def mias_customer_pays_for_enhancements(app: QuoteToCash, manager: str = "mia") -> None:
    """Acme (account manager as given) is invoiced 1,000.00 of enhancement work on 1 March
    (1,210.00 with 21 % tax) and pays it all on 10 March."""
    acme = app.register_customer(
        "Acme",
        "EUR",
        account_manager=manager,
        actor="bea",
        payment_terms_days=30,
        tax_rate=TaxRate.standard(21),
    )
    line = manual("L1", "1000.00", revenue_kind=ENHANCEMENT)
    invoice = app.draft_invoice(acme, [line], drafted_on=MARCH_1, actor="pete")
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=MARCH_1, actor="bea")
    payment = app.receive_payment(
        acme, eur("1210.00"), received_on=MARCH_10, reference="P1", actor="bea"
    )
    app.allocate_payment(payment, allocated_on=MARCH_10, actor="bea")


def _plan_file(tmp_path: Path, name: str, entries: list[dict[str, str]]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(entries))
    return path


def test_a_plan_naming_mia_with_a_capital_pays_mia_ten_percent_of_what_acme_paid() -> None:
    """Mia is Acme's account manager, registered as "mia"; the plan gives "Mia" 10 % on
    enhancements. She earns 100.00 on the 1,000.00 collected (not nothing), and her line and
    balance carry the name Acme gives her."""
    app = QuoteToCash.open("memory:")
    mias_customer_pays_for_enhancements(app, manager="mia")
    commissions = Commissions(
        plan=CommissionPlan([CommissionRate("Mia", ENHANCEMENT, Decimal("0.10"))])
    )
    catch_up(app, [commissions])
    assert commissions.balances() == {("mia", "EUR"): eur("100.00")}
    (line,) = commissions.lines()
    assert (line.manager, line.collected, line.rate) == ("mia", eur("1000.00"), Decimal("0.10"))


def test_the_plan_reads_a_managers_name_as_the_rest_of_q2c_does() -> None:
    """Case, runs of spaces, full-width letters and a pasted zero-width space are the same
    person, on either side (the plan's entry or the customer's account manager); an accent is
    another person, and Mia's own rate still beats the rate for everyone."""
    for typed in ("Mia", "  MIA ", "ｍｉａ", "mi\u200ba"):
        plan = CommissionPlan(
            [
                CommissionRate("*", ENHANCEMENT, Decimal("0.05")),
                CommissionRate(typed, ENHANCEMENT, Decimal("0.10")),
            ]
        )
        assert plan.rate_for("mia", ENHANCEMENT, MARCH_10) == Decimal("0.10"), typed
        assert plan.rate_for("Mia ", ENHANCEMENT, MARCH_10) == Decimal("0.10"), typed
        assert plan.rate_for("Mía", ENHANCEMENT, MARCH_10) == Decimal("0.05"), typed
        assert plan.rate_for("mia", MAINTENANCE, MARCH_10) == Decimal(0), typed


def test_a_plan_entry_naming_nobody_is_refused() -> None:
    """A manager's name of spaces and invisible characters names nobody: refused, as an empty
    one always was."""
    for blank in ("", "   ", "\u200b", " \u200b "):
        with pytest.raises(InvalidValue) as refused:
            CommissionRate(blank, ENHANCEMENT, Decimal("0.05"))
        assert refused.value.field == "manager", blank


def test_two_rates_for_mia_on_the_same_kind_and_day_are_refused_whatever_their_order() -> None:
    """5 % and 10 % on mia's enhancements from 1 January: which one would she be paid? The
    plan is refused, naming both entries, in either order and however her name is typed."""
    five = CommissionRate("mia", ENHANCEMENT, Decimal("0.05"), NEW_YEAR)
    ten = CommissionRate("Mia", ENHANCEMENT, Decimal("0.10"), NEW_YEAR)
    for rates in ([five, ten], [ten, five]):
        with pytest.raises(InvalidValue) as refused:
            CommissionPlan(rates)
        assert refused.value.field == "rates"
        message = str(refused.value)
        assert "0.05" in message and "0.10" in message and "2026-01-01" in message
        assert "'mia'" in message and "'Mia'" in message
    # the same entry twice is refused as well (a copy-paste slip, not a second rate)
    with pytest.raises(InvalidValue, match="rates"):
        CommissionPlan([five, five])
    # another day, another kind or another manager is a plan
    CommissionPlan(
        [
            five,
            CommissionRate("mia", ENHANCEMENT, Decimal("0.10"), MARCH_1),
            CommissionRate("mia", MAINTENANCE, Decimal("0.10"), NEW_YEAR),
            CommissionRate("max", ENHANCEMENT, Decimal("0.10"), NEW_YEAR),
        ]
    )


def test_a_plan_file_with_two_rates_for_one_day_is_refused_and_nothing_is_built(
    tmp_path: Path,
) -> None:
    """q2c report commissions with such a plan file: a usage error naming both rates (exit 2),
    and no read-model store is made."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    mias_customer_pays_for_enhancements(app)
    app.close()
    entry = {"manager": "mia", "revenue_kind": "enhancement", "effective_from": "2026-01-01"}
    plan = _plan_file(tmp_path, "plan.json", [{**entry, "rate": "0.05"}, {**entry, "rate": "0.10"}])
    store = tmp_path / "rows.db"
    args = ["report", "commissions", "--url", url, "--store", f"sqlite:///{store}"]
    refused = runner.invoke(cli, [*args, "--commission-plan", str(plan), "--on", "2026-03-31"])
    assert refused.exit_code == 2
    assert "is not a commission plan" in refused.output
    assert "0.05" in refused.output and "0.10" in refused.output
    assert not store.exists()


def test_the_same_plan_given_in_two_orders_is_the_same_plan(tmp_path: Path) -> None:
    """Mia's 5 % from 1 January, her 10 % from 1 March and everyone's 2 % on maintenance, listed
    in two orders: one plan. A live store built with one order follows the books with the other
    and shows what a fresh build shows (10 % of the 1,000.00 collected on 10 March)."""
    entries = [
        CommissionRate("mia", ENHANCEMENT, Decimal("0.05"), NEW_YEAR),
        CommissionRate("mia", ENHANCEMENT, Decimal("0.10"), MARCH_1),
        CommissionRate("*", MAINTENANCE, Decimal("0.02")),
    ]
    forward, backward = CommissionPlan(entries), CommissionPlan(reversed(entries))
    assert forward == backward
    app = QuoteToCash.open("memory:")
    mias_customer_pays_for_enhancements(app)
    rows = f"sqlite:///{tmp_path / 'rows.db'}"
    catch_up(app, [Commissions(ProjectionStore.open(rows), plan=forward)])
    live = Commissions(ProjectionStore.open(rows), plan=backward)
    catch_up(app, [live])  # (the same plan: not refused)
    fresh = Commissions(plan=backward)
    rebuild(app, [fresh])
    assert live.balances() == fresh.balances() == {("mia", "EUR"): eur("100.00")}


class BuiltByAnEarlierQ2c(Commissions):
    """Stands for a store built before plans read managers' names by ``person_key``: the
    settings it recorded named the managers as typed."""

    def config(self) -> dict[str, object]:
        typed = sorted(
            [r.manager, r.revenue_kind.name, str(r.rate), r.effective_from.isoformat()]
            for r in self.plan.rates
        )
        # (the row layout as today's: only how the plan named managers differs)
        return {"plan": typed, "rows": super().config()["rows"]}


def test_a_store_built_before_names_matched_is_kept_only_when_it_means_the_same(
    tmp_path: Path,
) -> None:
    """A store built with the default plan (rates for everyone, no names) means what it meant:
    it is followed on. One built with a plan naming "Mia" paid her nothing then: it is refused
    with the rebuild advice, and after the rebuild it pays her 100.00."""
    app = QuoteToCash.open("memory:")
    mias_customer_pays_for_enhancements(app)
    default_rows = f"sqlite:///{tmp_path / 'default.db'}"
    catch_up(app, [BuiltByAnEarlierQ2c(ProjectionStore.open(default_rows))])
    kept = Commissions(ProjectionStore.open(default_rows), plan=DEFAULT_PLAN)
    catch_up(app, [kept])
    assert kept.balances() == {("mia", "EUR"): eur("50.00")}

    plan = CommissionPlan([CommissionRate("Mia", ENHANCEMENT, Decimal("0.10"))])
    named_rows = f"sqlite:///{tmp_path / 'named.db'}"
    earlier = BuiltByAnEarlierQ2c(ProjectionStore.open(named_rows), plan=plan)
    catch_up(app, [earlier])
    now = Commissions(ProjectionStore.open(named_rows), plan=plan)
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [now])
    rebuild(app, [now])
    assert now.balances() == {("mia", "EUR"): eur("100.00")}


def test_a_report_warns_of_a_plan_naming_a_manager_no_customer_has(tmp_path: Path) -> None:
    """A plan giving "Maria" 10 %, where Acme's manager is mia: the report is printed (the plan
    may be ahead of the books) and standard error says no customer or invoice names Maria;
    "Mia" is no such warning."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    mias_customer_pays_for_enhancements(app)
    app.close()
    rate = {"revenue_kind": "enhancement", "rate": "0.10"}
    plan = _plan_file(
        tmp_path, "plan.json", [{"manager": "Maria", **rate}, {"manager": "Mia", **rate}]
    )
    args = ["report", "commissions", "--url", url, "--format", "csv", "--on", "2026-03-31"]
    done = runner.invoke(cli, [*args, "--commission-plan", str(plan)])
    assert done.exit_code == 0, done.output
    assert "100.00" in done.stdout
    assert "'Maria'" in done.stderr and "warning" in done.stderr
    assert "'Mia'" not in done.stderr


def test_a_plan_file_s_rates_are_read_as_written_and_a_manager_must_be_a_name(
    tmp_path: Path,
) -> None:
    """A rate of 0.1 in the JSON file is 0.1 exactly (not the float nearest it, which would be
    0.1000000000000000055...), and `"manager": null` is refused instead of becoming a manager
    called "None" whom no customer has."""
    from q2c_adapters.cli import load_plan

    plan = tmp_path / "plan.json"
    plan.write_text('[{"manager": "mia", "revenue_kind": "enhancement", "rate": 0.1}]')
    assert [r.rate for r in load_plan(plan).rates] == [Decimal("0.1")]
    nobody = tmp_path / "nobody.json"
    nobody.write_text('[{"manager": null, "revenue_kind": "enhancement", "rate": 0.1}]')
    with pytest.raises(typer.BadParameter, match="manager must be text"):
        load_plan(nobody)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ({"efective_from": "2026-04-01"}, "efective_from"),  # (would pay from 0001-01-01)
        ({"effective from": "2026-04-01"}, "effective from"),
        ({"manger": "mia"}, "manger"),  # (would pay everyone: "*")
        ({"effective_from": None}, "effective_from"),
        ({"effective_from": ""}, "effective_from"),
        ({"effective_from": "  "}, "effective_from"),
    ],
)
def test_a_plan_entry_with_a_key_it_does_not_know_or_no_day_is_refused_naming_the_key(
    tmp_path: Path, entry: dict[str, object], named: str
) -> None:
    """A plan file's typo is not a rate for another day or another manager: an entry
    with a key a plan entry does not have ("efective_from", "manger") would have paid mia 10 %
    since 0001-01-01, or everyone 10 %, and an empty or null effective_from would have meant
    "since ever". Each is refused, naming the key: q2c report exits 2 (a usage error) and
    builds nothing. (An entry without effective_from still means from the start.)"""
    from q2c_adapters.cli import load_plan

    rate = {"manager": "mia", "revenue_kind": "enhancement", "rate": "0.10", **entry}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"revenue_kind": "maintenance", "rate": "0.02"}, rate]))
    with pytest.raises(typer.BadParameter, match=repr(named)):
        load_plan(plan)
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    mias_customer_pays_for_enhancements(app)
    app.close()
    store = tmp_path / "rows.db"
    args = ["report", "commissions", "--url", url, "--store", f"sqlite:///{store}"]
    refused = runner.invoke(cli, [*args, "--commission-plan", str(plan), "--on", "2026-03-31"])
    assert refused.exit_code == 2
    assert "is not a commission plan" in refused.output and named in refused.output
    assert not store.exists()
    without_day = tmp_path / "always.json"
    without_day.write_text('[{"manager": "mia", "revenue_kind": "enhancement", "rate": "0.1"}]')
    assert [r.effective_from for r in load_plan(without_day).rates] == [date.min]


def test_a_statement_for_a_period_of_times_of_day_is_refused_naming_the_period() -> None:
    """Mia's statement is asked for by business days: a period of two datetimes (noon to noon)
    is refused naming ``period``, as every projection query refuses it, instead of failing
    inside with a TypeError; her statement for the days themselves still reads 100.00."""
    from datetime import datetime

    from q2c_core import Period

    app = QuoteToCash.open("memory:")
    mias_customer_pays_for_enhancements(app, manager="mia")
    commissions = Commissions(
        plan=CommissionPlan([CommissionRate("mia", ENHANCEMENT, Decimal("0.10"))])
    )
    catch_up(app, [commissions])
    noon = Period(datetime(2026, 1, 1, 12), datetime(2027, 1, 1, 12))
    with pytest.raises(InvalidValue) as refused:
        commissions.statement("mia", noon)
    assert refused.value.field == "period"
    year = commissions.statement("mia", Period(date(2026, 1, 1), date(2027, 1, 1)))
    assert year.totals == {"EUR": eur("100.00")}


def test_a_plan_reads_back_from_its_description() -> None:
    """A store keeps a plan as ``describe`` gives it; ``described`` is the same plan again, the
    managers as matched and the rates by value (0.10 reads back as 0.1, an equal plan)."""
    plan = CommissionPlan(
        [
            CommissionRate("*", RevenueKind.ENHANCEMENT, Decimal("0.10")),
            CommissionRate("Mia", RevenueKind.MAINTENANCE, Decimal("0.03"), date(2024, 4, 1)),
        ]
    )
    again = CommissionPlan.described(plan.describe())
    assert again.describe() == plan.describe()
    assert again.rate_for("mia", RevenueKind.MAINTENANCE, date(2024, 5, 1)) == Decimal("0.03")
