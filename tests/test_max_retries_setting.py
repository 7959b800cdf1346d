"""A developer opening q2c with ``max_retries`` (how many attempts a command makes against other
writers) is told at once when the number cannot be one: 0 or less, a fraction, text. Before,
``max_retries=0`` (meant as "do not retry") opened fine and every command then failed with
ConcurrencyConflict "gave up after 0 attempts" though nobody else was writing, and "3" failed
each command with a bare TypeError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("attempts", [0, -1, 1.5, "3", True, None])
def test_a_number_of_attempts_that_is_no_whole_number_from_1_is_refused_at_opening(
    attempts: Any, tmp_path: Path
) -> None:
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}", max_retries=attempts)
    assert refused.value.field == "max_retries"


def test_one_attempt_means_no_retry_and_the_command_runs() -> None:
    app = QuoteToCash.open("memory:", max_retries=1)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
        assert app.customer(acme).name == "Acme"
    finally:
        app.close()
