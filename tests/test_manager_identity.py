"""An account manager is a person, however her name was typed. Acme was registered with "Mia"
as its account manager and Brix, later, with "mia " (a trailing space from a form): the read side
knows one person, shown by the spelling the history first named her by ("Mia", Acme's). Finance
gets ONE commission statement for her, with both customers' money on ONE running total, rounded
once (5 % of 10.10 twice is 1.01, where rounding each customer's own total made 0.51 + 0.51);
unbilled revenue by account manager gives her one group; ``statement("MIA")`` finds her; a store
followed step by step says what a rebuild says; and the CLI's commission statements print one
row for her month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from test_story_invoice import approve, eur, manual
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.reports import report_table
from q2c_core import QuoteToCash, RevenueKind, RuleViolated, TaxRate, TimeEntry
from q2c_core.domain.values import Period
from q2c_core.projections import (
    AwaitingPurchaseOrder,
    Commissions,
    ProjectionStore,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

MARCH_1, MARCH_10, MARCH_11 = date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 11)
MARCH = Period(MARCH_1, date(2026, 4, 1))
runner = CliRunner()


def customer_of(app: QuoteToCash, name: str, manager: str) -> UUID:
    """A customer (21 % tax) whose account manager is typed as given."""
    return app.register_customer(
        name,
        "EUR",
        account_manager=manager,
        actor="bea",
        payment_terms_days=30,
        tax_rate=TaxRate.standard(21),
    )


def pays_for_enhancements(app: QuoteToCash, customer: UUID, reference: str, on: date) -> None:
    """10.10 of enhancement work invoiced on 1 March (12.22 with tax), paid in full on ``on``."""
    invoice = app.draft_invoice(
        customer,
        [manual("L1", "10.10", revenue_kind=RevenueKind.ENHANCEMENT)],
        drafted_on=MARCH_1,
        actor="pete",
    )
    approve(app, invoice)
    app.issue_invoice(invoice, issued_on=MARCH_1, actor="bea")
    payment = app.receive_payment(
        customer, eur("12.22"), received_on=on, reference=reference, actor="bea"
    )
    app.allocate_payment(payment, allocated_on=on, actor="bea")


def mias_two_customers(app: QuoteToCash) -> None:
    """Acme registered with "Mia", Brix with "mia "; Brix pays on 10 March, Acme on 11 March."""
    acme = customer_of(app, "Acme", "Mia")
    brix = customer_of(app, "Brix", "mia ")
    pays_for_enhancements(app, brix, "P-BRIX", MARCH_10)
    pays_for_enhancements(app, acme, "P-ACME", MARCH_11)


def test_mia_gets_one_statement_with_both_customers_money_rounded_once() -> None:
    """Both customers paid 10.10 of enhancements: 5 % of 20.20 is 1.01 (rounding each
    customer's 0.505 on its own would pay 1.02). One statement, both lines, named "Mia"."""
    app = QuoteToCash.open("memory:")
    mias_two_customers(app)
    commissions = Commissions()
    catch_up(app, [commissions])

    statement = commissions.statement("Mia", MARCH)
    assert statement.manager == "Mia"
    assert [(line.on, line.collected) for line in statement.lines] == [
        (MARCH_10, eur("10.10")),
        (MARCH_11, eur("10.10")),
    ]
    assert [line.commission for line in statement.lines] == [eur("0.51"), eur("0.50")]
    assert statement.totals == {"EUR": eur("1.01")}
    assert commissions.balances() == {("Mia", "EUR"): eur("1.01")}
    assert {line.manager for line in commissions.lines()} == {"Mia"}
    assert commissions.managers() == {"Mia"}


def test_her_statement_is_found_however_her_name_is_typed() -> None:
    """statement("MIA"), statement(" mia"), full-width "ｍｉａ" or with a pasted zero-width
    space: her statement, under the name she is shown by. Someone else finds nothing."""
    app = QuoteToCash.open("memory:")
    mias_two_customers(app)
    commissions = Commissions()
    catch_up(app, [commissions])
    for typed in ("MIA", " mia", "ｍｉａ", "mi\u200ba"):
        statement = commissions.statement(typed, MARCH)
        assert statement.manager == "Mia", typed
        assert statement.totals == {"EUR": eur("1.01")}, typed
    assert commissions.statement("Max", MARCH).lines == ()


def requests_of(app: QuoteToCash, customer: UUID, title: str) -> None:
    """One request authorized with 2 hours of work logged (200.00 unbilled), and one only quoted
    (awaiting a PO)."""
    worked = app.open_request(customer, title, requested_on=MARCH_1, actor="al")
    app.estimate_request(worked, hours=10, rate=eur(100), actor="al")
    app.send_quote(worked, sent_on=MARCH_1, actor="al")
    app.receive_purchase_order(
        worked, number=f"PO-{title}", amount=eur(1000), received_on=MARCH_1, actor="al"
    )
    app.authorize_work(worked, authorized_on=MARCH_1, actor="al")
    app.log_work(worked, TimeEntry(f"{title}-t1", "bob", MARCH_10, 2, eur(100)), actor="bob")
    quoted = app.open_request(customer, f"{title} II", requested_on=MARCH_1, actor="al")
    app.estimate_request(quoted, hours=5, rate=eur(100), actor="al")
    app.send_quote(quoted, sent_on=MARCH_1, actor="al")


def test_unbilled_revenue_by_account_manager_gives_mia_one_group() -> None:
    """Brix's ("mia ") request is recorded first, then Acme's ("Mia"), then one for Cato, whose
    manager was typed full-width ("ＭＩＡ"): 600.00 unbilled, one group "Mia"; the follow-up
    lists (quotes awaiting a PO, the review meeting) name her the same way on every row, and the
    CLI-facing report has one row for her."""
    app = QuoteToCash.open("memory:")
    acme = customer_of(app, "Acme", "Mia")
    brix = customer_of(app, "Brix", "mia ")
    cato = customer_of(app, "Cato", "ＭＩＡ")
    requests_of(app, brix, "Export")
    requests_of(app, acme, "Import")
    requests_of(app, cato, "Sync")
    unbilled, awaiting, review = UnbilledRevenue(), AwaitingPurchaseOrder(), ReviewMeeting()
    catch_up(app, [unbilled, awaiting, review])

    by_manager = unbilled.totals(MARCH_11, "account_manager").totals
    assert by_manager == {("Mia", "EUR"): eur("600.00")}
    assert {item.account_manager for item in unbilled.items(MARCH_11)} == {"Mia"}
    assert {q.account_manager for q in awaiting.awaiting(MARCH_11)} == {"Mia"}
    assert len(awaiting.awaiting(MARCH_11)) == 3
    assert {r.account_manager for r in review.items(MARCH_11)} == {"Mia"}

    table = report_table("unbilled-by-manager", [unbilled], MARCH_11)
    assert [row[0] for row in table.rows] == ["Mia"]


def test_following_the_books_step_by_step_says_what_a_rebuild_says(tmp_path: Path) -> None:
    """A store followed after each step (Brix's money first, under "mia ", before Acme's "Mia"
    ever paid) shows her as "Mia" with 1.01, as a fresh rebuild does; a rebuild as of the moment
    before Acme paid shows her as "Mia" too (Acme was registered first), with Brix's 0.51."""
    app = QuoteToCash.open("memory:")
    rows = f"sqlite:///{tmp_path / 'rows.db'}"
    followed = Commissions(ProjectionStore.open(rows))
    acme = customer_of(app, "Acme", "Mia")
    catch_up(app, [followed])
    brix = customer_of(app, "Brix", "mia ")
    pays_for_enhancements(app, brix, "P-BRIX", MARCH_10)
    catch_up(app, [followed])
    before_acme_paid = datetime.now(UTC)
    pays_for_enhancements(app, acme, "P-ACME", MARCH_11)
    catch_up(app, [Commissions(ProjectionStore.open(rows))])
    reopened = Commissions(ProjectionStore.open(rows))
    catch_up(app, [reopened])

    fresh = Commissions()
    rebuild(app, [fresh])
    assert reopened.lines() == fresh.lines()
    assert reopened.balances() == fresh.balances() == {("Mia", "EUR"): eur("1.01")}

    then = Commissions()
    rebuild(app, [then], as_of=before_acme_paid)
    assert then.balances() == {("Mia", "EUR"): eur("0.51")}
    assert then.statement("mia", MARCH).manager == "Mia"


def test_the_cli_commission_statements_print_one_row_for_her_month(tmp_path: Path) -> None:
    """q2c report commission-statements: one row for March (2 lines, 1.01 EUR) and one to date,
    both "Mia"."""
    url = f"sqlite:///{tmp_path / 'books.db'}"
    app = QuoteToCash.open(url)
    mias_two_customers(app)
    app.close()
    args = ["report", "commission-statements", "--url", url, "--format", "csv"]
    done = runner.invoke(cli, [*args, "--on", "2026-03-31"])
    assert done.exit_code == 0, done.output
    rows = [line.split(",") for line in done.stdout.strip().splitlines()]
    assert rows[0] == ["manager", "period", "lines", "currency", "commission"]
    assert [(r[0], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("Mia", "2", "EUR", "1.01"),
        ("Mia", "", "EUR", "1.01"),
    ]


class BuiltBeforeManagersWereOnePerson(Commissions):
    """Stands for a store of the earlier layout (rows version 8), whose lines named "Mia" and
    "mia " as two managers."""

    def config(self) -> dict[str, object]:
        return {**super().config(), "rows": 8}


def test_a_store_built_when_she_was_two_managers_is_refused_until_rebuilt(
    tmp_path: Path,
) -> None:
    """Following such a store on would keep two running totals for her: refused with the
    rebuild advice; after the rebuild she has one statement of 1.01."""
    app = QuoteToCash.open("memory:")
    mias_two_customers(app)
    rows = f"sqlite:///{tmp_path / 'rows.db'}"
    catch_up(app, [BuiltBeforeManagersWereOnePerson(ProjectionStore.open(rows))])
    now = Commissions(ProjectionStore.open(rows))
    with pytest.raises(RuleViolated, match="rebuild it from events"):
        catch_up(app, [now])
    rebuild(app, [now])
    assert now.balances() == {("Mia", "EUR"): eur("1.01")}
