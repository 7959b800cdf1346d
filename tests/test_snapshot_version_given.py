"""A snapshot job given a version that is no whole number (the text "1" read from a file, a
fraction, a bool) is refused in q2c's words before anything is read or written: InvalidValue
naming version. Before, the memory store raised a bare TypeError ("'<=' not supported between
instances of 'int' and 'str'"), and SQLite and PostgreSQL wrote a snapshot of version 1 for "1",
1.5 and True alike."""

from __future__ import annotations

from typing import Any

import pytest

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("version", ["1", 1.5, True, "latest"])
def test_a_version_that_is_no_whole_number_is_refused_and_nothing_written(
    backend_url: str, version: Any
) -> None:
    app = QuoteToCash.open(backend_url)
    try:
        acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="ops")
        app.rename_customer(acme, new_name="Acme Holding", actor="ops")
        with pytest.raises(InvalidValue) as refused:
            app.take_snapshot(acme, version=version)
        assert refused.value.field == "version"
        assert refused.value.value == version
        assert app.verify_snapshots().checked == 0  # nothing written
        app.take_snapshot(acme, version=1)  # a whole number is taken as before
        assert app.verify_snapshots().checked == 1
    finally:
        app.close()
