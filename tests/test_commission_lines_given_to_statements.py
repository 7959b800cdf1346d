"""Commission statements and balances worked out on lines read once (``lines=``, as the
commission-statements report does) take commission lines: text, a number or a list of other
things is refused with ``InvalidValue`` naming ``lines`` (it ended in a bare AttributeError)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_projections_story import authorized_request, eur, issue, work

from q2c_core import InvalidValue, Period, QuoteToCash
from q2c_core.projections import Commissions, UnbilledRevenue, catch_up

A = "alice"
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def books(tmp_path: Any) -> tuple[QuoteToCash, Commissions, UnbilledRevenue]:
    """Acme's export work invoiced and paid in March, and a hotfix nobody authorized."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/books.db")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = authorized_request(app, acme, "Export", date(2026, 3, 2))
    app.log_work(export, work("t1", date(2026, 3, 3), "4"), actor="bob")
    invoice = app.draft_request_invoice(export, drafted_on=date(2026, 3, 5), actor="bea")
    issue(app, invoice, date(2026, 3, 5))
    total = app.invoice(invoice).total
    pay = app.receive_payment(acme, total, received_on=date(2026, 3, 9), reference="r", actor=A)
    app.allocate_payment(pay, [(invoice, total)], allocated_on=date(2026, 3, 9), actor=A)
    hotfix = app.open_request(acme, "Hotfix", requested_on=date(2026, 3, 10), actor=A)
    app.import_work(hotfix, work("x1", date(2026, 3, 10), "2"), source="sheet.csv", actor="imp")
    commissions, unbilled = Commissions(), UnbilledRevenue()
    catch_up(app, [commissions, unbilled])
    return app, commissions, unbilled


@pytest.mark.parametrize("not_lines", ["lines", [1], [None], 5, {"a": 1}])
def test_statements_and_balances_take_commission_lines_or_refuse_naming_lines(
    tmp_path: Any, not_lines: Any
) -> None:
    app, commissions, _ = books(tmp_path)
    with pytest.raises(InvalidValue) as refused:
        commissions.statements(MARCH, lines=not_lines)
    assert refused.value.field == "lines"
    with pytest.raises(InvalidValue) as refused:
        commissions.balances(date(2026, 3, 31), lines=not_lines)
    assert refused.value.field == "lines"
    every = commissions.lines()
    [march] = commissions.statements(MARCH, lines=tuple(every))
    assert march.totals == {"EUR": eur("20.00")}  # 5 % of the 400.00 collected
    assert commissions.balances(date(2026, 3, 31), lines=list(every)) == {
        ("mia", "EUR"): eur("20.00")
    }
    app.close()
