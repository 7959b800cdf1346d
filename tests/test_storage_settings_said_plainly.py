"""Two settings a developer can get wrong without noticing, refused plainly.

- ``QuoteToCash.open("sqlite:///")``, built from an empty path setting, opened a store in
  memory: the application ran, and every event went when the process ended. It names no file,
  so it is refused (``InvalidValue`` naming ``url``); ``sqlite:///:memory:`` and ``memory:``
  still give a store in memory on purpose.
- ``verify_snapshots(app, page_size="10")`` (a value read from a settings file) failed with a
  bare TypeError; it is ``InvalidValue`` naming ``page_size``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from q2c_core import InvalidValue, QuoteToCash
from q2c_core.snapshot_check import verify_snapshots


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite:///?lock_timeout=5"])
def test_a_sqlite_url_naming_no_file_is_refused(url: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        QuoteToCash.open(url)
    assert refused.value.field == "url"
    assert "names no file" in str(refused.value)


def test_a_store_in_memory_is_still_had_by_asking_for_one() -> None:
    for url in ("sqlite:///:memory:", "memory:"):
        app = QuoteToCash.open(url)
        app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
        assert len(app.customers()) == 1
        app.close()


@pytest.mark.parametrize("page_size", ["10", 10.0, True, None])
def test_a_snapshot_check_page_size_is_a_whole_number(page_size: Any, tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    with pytest.raises(InvalidValue) as refused:
        verify_snapshots(app, page_size=page_size)
    assert refused.value.field == "page_size"
    assert verify_snapshots(app, page_size=10).checked == 0
    app.close()
