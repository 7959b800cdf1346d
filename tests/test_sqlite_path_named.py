"""A SQLite URL naming a path q2c cannot open says what is wrong with the path: a folder that
does not exist, or a folder where the file should be. Before, both were SQLite's bare "unable to
open database file", and the operator had to guess which part of the path was at fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from q2c_core import ProjectionStore, QuoteToCash, StorageUnavailable


@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
def test_a_missing_folder_is_named(opener: Callable[[str], Any], tmp_path: Path) -> None:
    missing = tmp_path / "billing" / "2026"
    with pytest.raises(StorageUnavailable) as refused:
        opener(f"sqlite:///{missing / 'q2c.db'}")
    assert f"the folder {tmp_path / 'billing'} does not exist" in str(refused.value)
    assert not (tmp_path / "billing").exists()  # nothing made


@pytest.mark.parametrize("opener", [QuoteToCash.open, ProjectionStore.open])
def test_a_folder_given_for_the_file_is_named(opener: Callable[[str], Any], tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable) as refused:
        opener(f"sqlite:///{tmp_path}")
    assert f"{tmp_path} is a folder, not a SQLite file" in str(refused.value)
    assert refused.value.field == "url"


def test_a_file_where_a_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text("notes")
    with pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open(f"sqlite:///{tmp_path / 'billing' / 'q2c.db'}")
    assert f"{tmp_path / 'billing'} is a file, not a folder" in str(refused.value)
    with pytest.raises(StorageUnavailable, match="is a file, not a folder"):
        QuoteToCash.open(f"sqlite:///{tmp_path / 'billing' / '2026' / 'q2c.db'}")
