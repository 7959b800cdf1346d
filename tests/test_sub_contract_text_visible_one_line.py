"""A sub-contract's id and description are printed on every invoice line billing it.

Found by review: a licence added from a spreadsheet with its description on two lines
("Licence<line break>Berlin"), or named only by a zero-width space pasted from a chat, was
recorded: the contract's invoice lines then printed across two lines or named nothing.
New sub-contracts, their descriptions corrected and the id a moved one takes are refused so
(``InvalidValue`` naming the field), nothing recorded; a plain space inside is fine.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("sub_id", "S\n2"),
        ("sub_id", "\u200b"),
        ("description", "Licence\nBerlin"),
        ("description", "Licence\tBerlin"),
        ("description", "\u200b\u2060"),
    ],
)
def test_a_new_sub_contract_shows_its_id_and_description_on_one_line(field: str, text: str) -> None:
    app = QuoteToCash.open("memory:")
    mc1 = contract(app, customer(app))
    before = app.contract(mc1).version
    new = attrs.evolve(sub("S3", start=date(2024, 3, 1)), **{field: text})
    with pytest.raises(InvalidValue) as refused:
        app.add_sub_contract(mc1, new, actor=A)
    assert refused.value.field == f"sub_contract.{field}"
    assert app.contract(mc1).version == before
    with pytest.raises(InvalidValue) as refused:
        contract(app, customer(app, "Brauhaus"), "MC-9", subs=(new,))
    assert refused.value.field == f"sub_contracts.{field}"
    app.add_sub_contract(mc1, sub("S3 Berlin", start=date(2024, 3, 1)), actor=A)
    assert "S3 Berlin" in app.contract(mc1).sub_contracts


def test_a_description_corrected_or_an_id_moved_under_is_one_visible_line() -> None:
    app = QuoteToCash.open("memory:")
    acme = customer(app)
    mc1, mc2 = contract(app, acme), contract(app, acme, "MC-2")
    before = app.contract(mc1).version, app.contract(mc2).version
    with pytest.raises(InvalidValue) as refused:
        app.describe_sub_contract(mc1, "S1", description="Licence\nBerlin", actor=A)
    assert refused.value.field == "description"
    with pytest.raises(InvalidValue) as refused:
        app.reassign_sub_contract(
            mc1, "S1", mc2, effective=date(2024, 6, 1), actor=A, as_sub_id="S1\r\n"
        )
    assert refused.value.field == "as_sub_id"
    assert (app.contract(mc1).version, app.contract(mc2).version) == before
