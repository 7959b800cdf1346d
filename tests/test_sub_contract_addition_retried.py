"""A sub-contract added, the addition sent again after a lost response (a page timed out, a
CRM replaying its change log), records nothing and says so (False), as a removal, a re-price
or a move sent again do: it was refused as a DuplicateEntry, reporting the site that was added
as failed. Another sub-contract under an id the contract holds is refused as before."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import DuplicateEntry, QuoteToCash


def test_an_addition_sent_twice_is_recorded_once(app: QuoteToCash) -> None:
    """Mia adds site S5 from 1 February and sends it again: one SubContractAdded."""
    signed = contract(app, customer(app))
    site = sub("S5", start=date(2024, 2, 1), price=900)

    assert app.add_sub_contract(signed, site, actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.add_sub_contract(signed, site, actor="mia") is False

    assert app.recorder.max_notification_id() == before
    assert app.contract(signed).sub_contracts["S5"] == site
    added = [e for e in app.events.get(signed) if type(e).__name__ == "SubContractAdded"]
    assert len(added) == 1


def test_an_addition_priced_by_a_renewal_sent_twice_is_recorded_once(app: QuoteToCash) -> None:
    """MC-1 renewed at +5 % for 2025; S5 added from 1 June 2024 is priced for 2025 by the
    renewal (945.00): the same addition sent again still records nothing."""
    signed = contract(app, customer(app))
    app.renew_contract(
        signed, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=5
    )
    site = sub("S5", start=date(2024, 6, 1), price=900)
    assert app.add_sub_contract(signed, site, actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.add_sub_contract(signed, site, actor=A) is False
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    "other",
    [
        sub("S5", start=date(2024, 2, 1), price=901),  # another price
        sub("S5", start=date(2024, 3, 1), price=900),  # another start
        sub("S1"),  # signed with the contract, not added
    ],
)
def test_another_sub_contract_under_a_held_id_is_refused(app: QuoteToCash, other: object) -> None:
    signed = contract(app, customer(app))
    app.add_sub_contract(signed, sub("S5", start=date(2024, 2, 1), price=900), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.add_sub_contract(signed, other, actor=A)  # type: ignore[arg-type]
    assert refused.value.field == "sub_id"
    assert app.recorder.max_notification_id() == before


def test_an_addition_removed_since_is_refused_when_sent_again(app: QuoteToCash) -> None:
    """S5 added, then removed from 1 May: the addition sent again is no retry any more (S5 is
    not as it added it), and is refused naming sub_id, nothing recorded."""
    signed = contract(app, customer(app))
    site = sub("S5", start=date(2024, 2, 1), price=900)
    app.add_sub_contract(signed, site, actor=A)
    app.remove_sub_contract(signed, "S5", effective_to=date(2024, 5, 1), actor=A)
    with pytest.raises(DuplicateEntry) as refused:
        app.add_sub_contract(signed, site, actor=A)
    assert refused.value.field == "sub_id"
