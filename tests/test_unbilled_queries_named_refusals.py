"""Unbilled revenue's queries refuse what they cannot read with ``InvalidValue`` naming the
argument: a list for ``totals``'s ``by`` ended in a bare TypeError, and
``items(include_unauthorized="no")`` (or 0, None) was read as a yes or a no by its truth,
"no" listing the leakage it was asked to leave out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_commission_lines_given_to_statements import books

from q2c_core import InvalidValue


@pytest.mark.parametrize("not_a_grouping", [["customer"], None, 1, ("customer",)])
def test_unbilled_totals_by_something_not_named_is_refused_naming_by(
    tmp_path: Any, not_a_grouping: Any
) -> None:
    app, _, unbilled = books(tmp_path)
    with pytest.raises(InvalidValue) as refused:
        unbilled.totals(date(2026, 3, 31), not_a_grouping)
    assert refused.value.field == "by"
    app.close()


@pytest.mark.parametrize("not_a_flag", ["no", "", 0, None])
def test_unbilled_items_leave_out_leakage_only_when_told_so_by_true_or_false(
    tmp_path: Any, not_a_flag: Any
) -> None:
    app, _, unbilled = books(tmp_path)
    day = date(2026, 3, 31)
    with pytest.raises(InvalidValue) as refused:
        unbilled.items(day, include_unauthorized=not_a_flag)
    assert refused.value.field == "include_unauthorized"
    assert [i.item_id for i in unbilled.items(day)] == ["x1"]
    assert unbilled.items(day, include_unauthorized=False) == []
    app.close()
