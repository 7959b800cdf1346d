"""A PSA export that writes the currency of each entry: a row billed in USD with its rate left
empty was logged at the request's EUR estimate, its USD read and dropped without a word, so
dana's hours the PSA priced in dollars were invoiced in euros. A row's currency other than the
one its rate is taken in is refused, naming the row's line and ``currency``; nothing of the
file is recorded. The request's own currency, written in any case, still reads."""

from __future__ import annotations

import pytest
from test_import_time_entries import build as requests
from test_import_time_entries import importer as psa

from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "worker,date,hours,request,rate,currency\n"


def test_a_row_in_another_currency_than_the_estimate_it_is_rated_by_is_refused(
    app: QuoteToCash,
) -> None:
    ids = requests(app)
    before = app.recorder.max_notification_id()
    text = HEADER + "bob,2024-03-05,1,TKT-101,,EUR\ndana,2024-03-05,2,TKT-101,,USD\n"
    with pytest.raises(ImportRejected) as refused:
        psa(app, ids).import_bytes(text.encode(), "week-10.csv", actor="psa-sync")
    (problem,) = refused.value.problems
    assert (problem.line, problem.field) == (3, "currency")
    assert "USD" in problem.rule and "EUR" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert app.request(ids["TKT-101"]).work == []


def test_the_requests_own_currency_with_no_rate_takes_the_estimate(app: QuoteToCash) -> None:
    ids = requests(app)
    text = HEADER + "dana,2024-03-05,2,TKT-101,,eur\n"
    report = psa(app, ids).import_bytes(text.encode(), "week-10.csv", actor="psa-sync")
    assert report.recorded == 1
    (work,) = app.request(ids["TKT-101"]).work
    assert work.entry.rate == Money.of("100", "EUR")
