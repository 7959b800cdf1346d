"""Delivery settings an integrator mistypes (a name read from a config file as a number, a
batch size as text, a limit of -1 meaning "all") are refused as InvalidValue naming the
setting, before anything is delivered; never a bare TypeError or AttributeError, and never a
run that silently delivers nothing (limit -1) or everything (limit 1.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from erp import Erp

from q2c_adapters.delivery import Delivery, open_store
from q2c_core import InvalidValue, QuoteToCash


@pytest.fixture
def books(backend_url: str) -> QuoteToCash:
    app = QuoteToCash.open(backend_url)
    for name in ("Acme", "Globex", "Initech"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    return app


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("name", None),
        ("name", 5),
        ("batch_size", "200"),
        ("batch_size", 2.5),
        ("batch_size", True),
        ("checkpoint_every", None),
        ("checkpoint_every", "1"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_naming_it(
    books: QuoteToCash, setting: str, value: Any
) -> None:
    settings: dict[str, Any] = {"name": "erp", setting: value}
    with pytest.raises(InvalidValue) as refused:
        Delivery(books, Erp(), **settings)
    assert refused.value.field == setting
    books.close()


def test_a_sink_that_is_no_accounting_sink_is_refused(books: QuoteToCash) -> None:
    """The ERP client itself given instead of its sink (no deliver method): refused naming
    sink, where each run stopped on the first event with an AttributeError in its report."""
    with pytest.raises(InvalidValue) as refused:
        Delivery(books, object(), name="erp")  # type: ignore[arg-type]
    assert refused.value.field == "sink" and "deliver" in str(refused.value)
    books.close()


class ErpWithoutItsMethod:
    """A sink whose deliver is no method: the ERP's address, from a config object."""

    deliver = "https://erp.example/api/journal"


def test_a_sink_whose_deliver_is_no_method_is_refused(books: QuoteToCash) -> None:
    """Found by today's review: the Protocol's check sees the name deliver only (and refuses
    None), so a sink whose deliver was text was taken, and every run stopped on its first
    event."""
    with pytest.raises(InvalidValue) as refused:
        Delivery(books, ErpWithoutItsMethod(), name="erp")  # type: ignore[arg-type]
    assert refused.value.field == "sink"
    books.close()


@pytest.mark.parametrize("limit", [-1, 0, 1.5, "3", True])
def test_a_limit_that_is_no_count_of_events_is_refused_and_delivers_nothing(
    books: QuoteToCash, limit: Any
) -> None:
    erp = Erp()
    delivery = Delivery(books, erp, name="erp")
    with pytest.raises(InvalidValue) as refused:
        delivery.run(limit=limit)
    assert refused.value.field == "limit"
    assert erp.booked == [] and delivery.position == 0
    assert delivery.run(limit=2).delivered == 2 and len(erp.booked) == 2
    books.close()


def test_a_store_given_as_its_url_is_refused_pointing_to_open_store(
    books: QuoteToCash, tmp_path: Path
) -> None:
    """The tracking store given as its URL, not opened: refused naming store and saying
    open_store(url), where the first run raised AttributeError: 'str' object has no attribute
    'position'."""
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    with pytest.raises(InvalidValue) as refused:
        Delivery(books, Erp(), name="erp", store=url)  # type: ignore[arg-type]
    assert refused.value.field == "store" and "open_store" in str(refused.value)
    assert Delivery(books, Erp(), name="erp", store=open_store(url)).run().caught_up
    books.close()
