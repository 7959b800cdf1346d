"""A SQLite URL naming a path q2c cannot open says what is wrong with the path: a folder that
does not exist, a folder where the file should be, a file or a folder this process may not
write. Before, each was SQLite's bare "unable to open database file", and the operator had to
guess which part of the path was at fault."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Files and folders no process may write, root's too (``chattr +i``), for the block."""
    made: list[Path] = []
    try:
        for path in paths:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                pytest.skip("chattr +i is not available here")
            made.append(path)
        yield
    finally:
        for path in made:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    books = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{books}")
    app.register_customer("Acme", "EUR", account_manager="ann", actor="ops")
    app.close()
    if shutil.which("chattr") is None:
        pytest.skip("no chattr on this machine")
    with immutable(books, tmp_path), pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open(f"sqlite:///{books}")
    assert f"{books} cannot be read and written by this process" in str(refused.value)


def test_a_folder_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    if shutil.which("chattr") is None:
        pytest.skip("no chattr on this machine")
    with immutable(folder), pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open(f"sqlite:///{folder / 'q2c.db'}")
    assert f"the folder {folder} cannot be written by this process" in str(refused.value)


def test_a_tilde_for_the_home_folder_is_pointed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///~/q2c.db is a folder named ~ under the current one, which SQLite does not make
    (nor does a URL expand it, as a shell would)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", "/home/ann")
    with pytest.raises(StorageUnavailable) as refused:
        QuoteToCash.open("sqlite:///~/q2c.db")
    assert "a URL's ~ is not your home folder" in str(refused.value)
    assert "sqlite:////home/ann/q2c.db" in str(refused.value)
    assert list(tmp_path.iterdir()) == []
