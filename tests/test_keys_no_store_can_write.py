"""A key, a reference or a series name no store can write is refused naming it, not failed on.

Python hands over bytes no UTF-8 reads (a CSV read with ``errors="surrogateescape"``, a shell
argument) as lone surrogates. Text holding one is refused as a control character is
(``InvalidValue`` naming the field, nothing recorded), but a caller's retry key, an allocation's
or a refund's reference and a number series' name are first turned into the id they name, and
that raised a bare ``UnicodeEncodeError`` before any check could name the field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from test_invoice_controls import line

from q2c_core import AllowanceUnit, InvalidValue, Money, Period, QuoteToCash

LONE = "\udcff"  # (the byte 0xFF, read with surrogateescape)
D = date(2024, 4, 2)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def test_keys_references_and_series_names_no_store_can_write_are_refused(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="al")
    payment = app.receive_payment(acme, eur("50"), received_on=D, reference="TR-1", actor="bea")
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    commands: list[tuple[str, Callable[[], Any]]] = [
        (
            "key",
            lambda: app.receive_payment(
                acme, eur("5"), received_on=D, reference="TR-2", actor="bea", key=f"R{LONE}"
            ),
        ),
        (
            "key",
            lambda: app.draft_invoice(acme, [line()], drafted_on=D, actor="billy", key=f"K{LONE}"),
        ),
        (
            "key",
            lambda: app.grant_allowance(
                acme,
                unit=AllowanceUnit.HOURS,
                quantity=10,
                period=year,
                granted_on=D,
                actor="mia",
                key=f"G{LONE}",
            ),
        ),
        (
            "key",
            lambda: app.open_request(acme, "Export", requested_on=D, actor="al", key=f"Q{LONE}"),
        ),
        (
            "reference",
            lambda: app.allocate_payment(
                payment, allocated_on=D, actor="bea", reference=f"A{LONE}"
            ),
        ),
        ("name", lambda: app.open_number_series(f"S{LONE}", prefix="S-", actor="bea")),
    ]
    before = app.recorder.max_notification_id()
    for field, command in commands:
        with pytest.raises(InvalidValue) as refused:
            command()
        assert refused.value.field == field
    assert app.recorder.max_notification_id() == before
