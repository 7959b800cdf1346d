"""A SQLite URL read from a file or a settings form often comes with the line's end or a space
after it. Before, sqlite:////srv/q2c/billing.db followed by a line break opened a new, empty
store in a file named "billing.db" plus the line break, beside the real one: every report
read nothing and every command recorded into the stray file. Now such a path is refused,
saying what it holds, and no file is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from q2c_core import InvalidValue, ProjectionStore, QuoteToCash


@pytest.mark.parametrize("tail", ["\n", "\r\n", " ", "\t"])
def test_a_path_ending_in_a_line_break_or_a_space_is_refused(tail: str, tmp_path: Path) -> None:
    books = tmp_path / "billing.db"
    app = QuoteToCash.open(f"sqlite:///{books}")
    app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.close()

    for opener in (QuoteToCash.open, ProjectionStore.open):
        with pytest.raises(InvalidValue) as refused:
            opener(f"sqlite:///{books}{tail}")
        assert refused.value.field == "url"
        assert "space" in str(refused.value) and "line break" in str(refused.value)
    # no stray store beside the real one
    assert [p.name for p in tmp_path.iterdir()] == ["billing.db"]


def test_a_path_starting_with_a_space_or_holding_a_tab_is_refused(tmp_path: Path) -> None:
    for path in (f"{tmp_path}/ billing.db", f"{tmp_path}/bil\tling.db"):
        with pytest.raises(InvalidValue, match="line break"):
            QuoteToCash.open(f"sqlite:///{path}")
    assert list(tmp_path.iterdir()) == []


def test_a_path_with_a_space_inside_opens(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'acme books.db'}")
    try:
        app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    finally:
        app.close()
    assert (tmp_path / "acme books.db").exists()
