"""A PSA export without the PSA's id column sends work recorded before at another rate: the
refusal names the rate, the cell that differs, not an ``entry_id`` column the file does not
have (the work is known by its content: worker, day, hours, request, billable, note)."""

from __future__ import annotations

import pytest
from test_import_time_entries import build, importer

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "worker,date,hours,ticket,rate\n"


def test_work_sent_again_at_another_rate_is_refused_naming_the_rate(app: QuoteToCash) -> None:
    ids = build(app)
    imp = importer(app, ids)
    imp.import_bytes((HEADER + "bob,2024-03-05,2.5,TKT-101,100\n").encode(), "a.csv", actor="a")
    before = app.recorder.max_notification_id()
    text = HEADER + "bob,2024-03-05,2.5,TKT-101,150\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "b.csv", actor="a")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "rate")
    assert "100.00 EUR" in problem.rule and "150" in problem.rule
    assert app.recorder.max_notification_id() == before
    # the same rate however written is the same work, skipped
    again = imp.import_bytes(
        (HEADER + "bob,2024-03-05,2.5,TKT-101,100.00\n").encode(), "c.csv", actor="a"
    )
    assert (again.recorded, again.skipped) == (0, 1)


def test_work_sent_again_in_another_currency_is_refused_naming_the_currency(
    app: QuoteToCash,
) -> None:
    ids = build(app)
    imp = importer(app, ids)
    head = "worker,date,hours,ticket,rate,currency\n"
    imp.import_bytes((head + "bob,2024-03-05,2.5,TKT-101,100,EUR\n").encode(), "a.csv", actor="a")
    text = head + "bob,2024-03-05,2.5,TKT-101,100,USD\n"
    with pytest.raises(ImportRejected) as refused:
        imp.import_bytes(text.encode(), "b.csv", actor="a")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (2, "currency")
    assert "100.00 EUR, not 100 USD" in problem.rule
