"""An id given as text reads the same aggregate on every store.

Found by review: a developer kept Acme's id as text (from a report, a URL or a JSON file) and
asked ``app.customer(text)``. In memory the dashed text found Acme and the 32 hex digits the
reports print did not; on a SQLite file it was the other way round. Now both spellings find
Acme on both, and text that spells no id is still ``NotFound`` naming ``id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from q2c_core import NotFound, QuoteToCash


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_dashed_text_and_hex_digits_both_find_acme(store: str, tmp_path: Path) -> None:
    url = "memory:" if store == "memory" else f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    asked: Any
    for asked in (acme, str(acme), acme.hex, acme.hex.upper()):
        assert app.customer(asked).id == acme
    for asked in ("no such customer", 5):
        with pytest.raises(NotFound) as refused:
            app.customer(asked)
        assert refused.value.field == "id"
    app.close()
