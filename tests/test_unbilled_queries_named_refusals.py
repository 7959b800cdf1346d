"""Unbilled revenue's queries refuse what they cannot read with ``InvalidValue`` naming the
argument: a list for ``totals``'s ``by`` ended in a bare TypeError, and
``items(include_unauthorized="no")`` (or 0, None) was read as a yes or a no by its truth,
"no" listing the leakage it was asked to leave out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_projections_story import authorized_request, issue, work

from q2c_core import InvalidValue, Period, QuoteToCash
from q2c_core.projections import Commissions, UnbilledRevenue, catch_up

A = "alice"
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def _books(tmp_path: Any) -> tuple[QuoteToCash, Commissions, UnbilledRevenue]:
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


@pytest.mark.parametrize("not_a_grouping", [["customer"], None, 1, ("customer",)])
def test_unbilled_totals_by_something_not_named_is_refused_naming_by(
    tmp_path: Any, not_a_grouping: Any
) -> None:
    app, _, unbilled = _books(tmp_path)
    with pytest.raises(InvalidValue) as refused:
        unbilled.totals(date(2026, 3, 31), not_a_grouping)
    assert refused.value.field == "by"
    app.close()


@pytest.mark.parametrize("not_a_flag", ["no", "", 0, None])
def test_unbilled_items_leave_out_leakage_only_when_told_so_by_true_or_false(
    tmp_path: Any, not_a_flag: Any
) -> None:
    app, _, unbilled = _books(tmp_path)
    day = date(2026, 3, 31)
    with pytest.raises(InvalidValue) as refused:
        unbilled.items(day, include_unauthorized=not_a_flag)
    assert refused.value.field == "include_unauthorized"
    assert [i.item_id for i in unbilled.items(day)] == ["x1"]
    assert unbilled.items(day, include_unauthorized=False) == []
    app.close()
