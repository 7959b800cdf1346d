"""Unbilled revenue lists its items in one order, whatever order its rows are kept in: the
contracts of one customer with the same period due on the same day were listed by the order
their rows came back from the store or were written in a page (a set's order, which changes
from one process to the next), so the ``unbilled`` report of a store followed as it happened
and of one rebuilt from events listed the same items in another order."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import storage_url

from q2c_core import (
    BillingFrequency,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.projections import ProjectionStore, UnbilledRevenue, catch_up, rebuild

A = "alice"
JAN = date(2026, 1, 1)


def site_contract(app: QuoteToCash, customer: Any, number: str) -> Any:
    """A site's yearly maintenance contract, billed monthly in advance from 1 January."""
    contract = app.sign_contract(
        customer,
        number=number,
        term=Period(JAN, date(2027, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=JAN,
        actor=A,
        sub_contracts=[
            SubContract(
                "erp",
                "ERP licence",
                SubContractKind.SITE,
                JAN,
                [PricePoint(JAN, Money.of("1200", "EUR"))],
            )
        ],
    )
    app.activate_contract(contract, effective=JAN, actor=A)
    return contract


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
def test_contracts_due_the_same_day_are_listed_alike_followed_and_rebuilt(
    backend: str, tmp_path: Path
) -> None:
    """Northwind has a maintenance contract for each of its six sites, all due on the 1st of
    each month and none billed yet. The account manager's list of 15 February shows January
    and February of each, month by month, the sites' contracts in one order: the same from
    the store followed as it happened, read again later, and rebuilt from events."""
    with storage_url(backend, tmp_path) as url:
        app = QuoteToCash.open(url)
        nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
        contracts = [site_contract(app, nw, f"MC-{n}") for n in range(1, 7)]
        store = ProjectionStore.open(url)
        followed = UnbilledRevenue(store)
        catch_up(app, [followed])
        read_again = UnbilledRevenue(store)
        rebuilt = UnbilledRevenue()
        rebuild(app, [rebuilt])
        day = date(2026, 2, 15)

        def listed(p: UnbilledRevenue) -> list[tuple[str, str]]:
            return [(i.item_id, i.contract_id) for i in p.items(day)]

        expected = [
            (period, c.hex)
            for period in ("2026-01-01..2026-01-31", "2026-02-01..2026-02-28")
            for c in sorted(contracts, key=lambda c: c.hex)
        ]
        assert listed(rebuilt) == expected
        assert listed(followed) == expected
        assert listed(read_again) == expected
        app.close()
