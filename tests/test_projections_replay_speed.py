"""The replay's speed-ups give the same results as the plain ways they replace."""

from __future__ import annotations

import gc
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_projections_story import story

import q2c_core.projections.decoding as decoding
import q2c_core.projections.store as store_module
from q2c_core import QuoteToCash
from q2c_core.projections import all_projections, rebuild
from q2c_core.projections._facts import lines_tax, lines_tax_checked
from q2c_core.projections.base import KeyFilter
from q2c_core.projections.decoding import TrustedDecoder
from q2c_core.projections.follower import Follower
from q2c_core.projections.store import ProjectionStore, decode_row, encode_row

RATES = [("STANDARD", Decimal(21)), ("STANDARD", Decimal("21.0")), ("STANDARD", Decimal("5.5"))]
RATES += [("ZERO_RATED", Decimal(0)), ("EXEMPT", Decimal(0)), ("STANDARD", Decimal("0"))]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(RATES),
            st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False),
        ),
        max_size=8,
    ),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_lines_tax_is_the_domain_tax(
    lines: list[tuple[tuple[str, Decimal], Decimal]], cur: str
) -> None:
    compact: list[list[Any]] = []
    for (category, rate), net in lines:
        row: list[Any] = ["L", "ENHANCEMENT", net, category, rate, "", "", "", None, None, None, []]
        compact.append(row)
    assert lines_tax(compact, cur) == lines_tax_checked(compact, cur)
    assert str(lines_tax(compact, cur)) == str(lines_tax_checked(compact, cur))


def test_key_filter_never_forgets_a_key() -> None:
    keys = [f"req:{uuid4().hex}" for _ in range(20_000)]
    f = KeyFilter()
    f.add_all(keys)
    assert all(k in f for k in keys)
    others = [f"req:{uuid4().hex}" for _ in range(20_000)]
    assert sum(k in f for k in others) < 200  # a few false positives at most


ROWS: list[dict[str, Any]] = [
    {"a": Decimal("1.50"), "d": date(2024, 1, 2), "t": datetime(2024, 1, 2, 3, 4, 5)},
    {"nested": {"x": [Decimal("-0"), (1, 2), None, True, "é ünï"]}, "n": 10**30},
    {"s": "\ud800 lone surrogate", "k": {1: "int key"}},
    {"set": {"b"}, "e": []},
]


@pytest.mark.parametrize("row", ROWS)
def test_rows_encode_the_same_with_or_without_orjson(
    row: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = encode_row(row)
    monkeypatch.setattr(store_module, "_fast_dumps", None)
    assert encode_row(row) == fast
    assert decode_row(fast) == decode_row(encode_row(row))


def test_uuid_values_are_refused_in_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "_fast_dumps", None)
    with pytest.raises(TypeError):
        encode_row({"id": uuid4()})
    assert decode_row('{"id":{"$u":"' + "0" * 32 + '"}}')["id"].int == 0  # older stores


def test_story_rows_need_no_uuid_and_match_without_orjson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every projection's rows on the full story, built with neither orjson path."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    fast = all_projections()
    rebuild(app, fast)
    monkeypatch.setattr(store_module, "_fast_dumps", None)
    monkeypatch.setattr(decoding, "_fast_loads", None)
    plain = all_projections()
    rebuild(app, plain)
    for a, b in zip(fast, plain, strict=True):
        assert a.rows() == b.rows(), a.name
        assert {k: encode_row(v) for k, v in a.rows().items()} == {
            k: encode_row(v) for k, v in b.rows().items()
        }
    app.close()


def test_decoding_without_orjson_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    fast = [TrustedDecoder(app).decode(n).__dict__ for n in notifications]
    monkeypatch.setattr(decoding, "_fast_loads", None)
    plain = [TrustedDecoder(app).decode(n).__dict__ for n in notifications]
    assert fast == plain
    app.close()


def test_rebuild_on_sqlite_store_reads_back_what_it_keeps(tmp_path: Path) -> None:
    """After a rebuild (store look-ups skipped by the key filter), a new follower on the same
    store (no filter, no cache) sees the same rows, and catching up changes nothing."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    url = f"sqlite:///{tmp_path / 'rows.db'}"
    store = ProjectionStore.open(url)
    built = all_projections(store)
    rebuild(app, built, page_size=7)  # many pages: rows evicted and read again
    expected = {p.name: p.rows() for p in built}
    store.close()
    again = ProjectionStore.open(url)
    fresh = all_projections(again)
    assert Follower(app, fresh).run() == 0
    assert {p.name: p.rows() for p in fresh} == expected
    again.close()
    app.close()


def test_collections_resume_after_a_run(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    assert gc.isenabled()
    rebuild(app, all_projections())
    assert gc.isenabled()
    gc.disable()
    try:
        rebuild(app, all_projections())
        assert not gc.isenabled()  # a caller's own setting is left as it was
    finally:
        gc.enable()
    app.close()


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.sampled_from(["EUR", "JPY", "KWD"]),
    st.lists(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False), max_size=5),
)
def test_split_amounts_is_split_by_weights(
    amount: Decimal, cur: str, weights: list[Decimal]
) -> None:
    """The commissions' plain-Decimal split gives the domain's split, part for part (or the
    domain's refusal)."""
    from q2c_core.domain.errors import Q2CError
    from q2c_core.domain.money import Money, split_by_weights
    from q2c_core.projections.commissions import split_amounts

    try:
        expected = [m.amount for m in split_by_weights(Money(amount, cur), weights)]
    except Q2CError as error:
        with pytest.raises(type(error)):
            split_amounts(amount, cur, weights)
        return
    got = split_amounts(amount, cur, weights)
    assert got == expected
    assert [str(x) for x in got] == [str(x) for x in expected]


@given(
    st.one_of(st.none(), st.decimals(min_value="0.01", max_value=10**6, places=2)),
    st.one_of(st.none(), st.decimals(min_value="0.0001", max_value=10**9, places=4)),
    st.sampled_from(["EUR", "JPY", "KWD", "BHD"]),
    st.booleans(),
)
def test_plain_total_is_the_estimates_total(
    hours: Decimal | None, price: Decimal | None, cur: str, fixed: bool
) -> None:
    """The request projections' estimate total on plain Decimals is ``Estimate.total``: equal,
    the same exponent, or the same refusal."""
    from q2c_core import Estimate, Money
    from q2c_core.domain.errors import Q2CError
    from q2c_core.projections._requests import plain_total

    try:
        if fixed:
            estimate = Estimate(fixed_price=Money(price or Decimal(1), cur))
        else:
            estimate = Estimate(hours=hours or Decimal(1), rate=Money(price or Decimal(1), cur))
    except Q2CError:
        return
    try:
        expected = estimate.total
    except Q2CError as error:
        with pytest.raises(type(error)):
            plain_total(estimate)
        return
    got = plain_total(estimate)
    assert got == expected and type(got) is type(expected)
    assert repr(got) == repr(expected)
