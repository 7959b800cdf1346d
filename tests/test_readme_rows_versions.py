"""The README's table of rows versions is what the read models store: an operator reading it
after an upgrade learns which read models `q2c rebuild` must build again, so a version raised in
the code and not in the table would tell them a stale store is fine."""

from __future__ import annotations

import re
from pathlib import Path

from q2c_core.projections import all_projections
from q2c_core.projections.store import ProjectionStore

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_every_read_models_rows_version() -> None:
    table = dict(
        re.findall(r"^\| `\w+` \| `(\w+)` \| (\d+) \|$", README.read_text("utf8"), re.MULTILINE)
    )
    stored = {
        p.name: str(p.config()["rows"]) for p in all_projections(ProjectionStore.open("memory:"))
    }
    assert table == stored
