"""q2c installed without one of its extras: one line saying which extra to install.

``pip install q2c`` brings the core only; PostgreSQL needs ``q2c[postgres]`` (psycopg) and the
``q2c`` command ``q2c[adapters]`` (typer, rich...). Without them, ``QuoteToCash.open`` of a
``postgresql://`` URL raised a bare ``ModuleNotFoundError: No module named 'psycopg'`` (the
README promises ``StorageUnavailable`` for storage that cannot be opened), and the ``q2c``
console script, installed either way, died with a traceback ending in ``No module named
'typer'``.

Each story runs in a fresh interpreter whose imports of the extra's modules fail, as they
do where the extra is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_EXTRA = ("psycopg", "psycopg_pool", "psycopg_binary", "psycopg_c")
ADAPTERS_EXTRA = ("typer", "rich", "jinja2", "fpdf", "lxml", "beancount", "saxonche")


def run_without(modules: tuple[str, ...], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter where importing any of ``modules`` fails."""
    blocker = textwrap.dedent(
        f"""
        import sys

        class NotInstalled:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {modules!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}")

        sys.meta_path.insert(0, NotInstalled())
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", blocker + textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_opening_postgresql_without_the_postgres_extra_names_the_extra() -> None:
    result = run_without(
        POSTGRES_EXTRA,
        """
        from q2c_core import ProjectionStore, QuoteToCash, StorageUnavailable
        for opener in (QuoteToCash.open, ProjectionStore.open):
            try:
                opener("postgresql://bea:secret@127.0.0.1:5432/books")
            except StorageUnavailable as refused:
                print(refused.field, "|", refused)
        """,
    )
    assert result.returncode == 0, result.stderr
    said = result.stdout.splitlines()
    assert len(said) == 2, result.stdout
    for line in said:
        assert line.startswith("url | ")
        assert 'pip install "q2c[postgres]"' in line
        assert "secret" not in line


def test_sqlite_needs_no_postgres_extra() -> None:
    result = run_without(
        POSTGRES_EXTRA,
        """
        from q2c_core import QuoteToCash
        app = QuoteToCash.open("sqlite:///:memory:")
        app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
        print(len(app.customers()))
        """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_a_command_on_postgresql_without_the_postgres_extra_is_one_line() -> None:
    result = run_without(
        POSTGRES_EXTRA,
        """
        import sys
        sys.argv = ["q2c", "update", "--url", "postgresql://bea@127.0.0.1:5432/books"]
        from q2c_adapters.console import main
        main()
        """,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert 'pip install "q2c[postgres]"' in result.stderr


def test_the_q2c_command_without_the_adapters_extra_says_what_to_install() -> None:
    result = run_without(
        ADAPTERS_EXTRA,
        """
        import sys
        sys.argv = ["q2c", "--help"]
        from q2c_adapters.console import main
        main()
        """,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: the q2c command needs the [adapters] extra")
    assert 'pip install "q2c[adapters]"' in result.stderr
    assert "Traceback" not in result.stderr


def test_with_the_adapters_extra_the_q2c_command_is_the_command_line() -> None:
    result = run_without(
        (),
        """
        import sys
        sys.argv = ["q2c", "--help"]
        from q2c_adapters.console import main
        main()
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "replay" in result.stdout


def test_the_installed_q2c_command_is_the_one_that_names_the_extra() -> None:
    """And the README's Installing section names every extra the project has."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["q2c"] == "q2c_adapters.console:main"
    extras = set(project["project"]["optional-dependencies"]) - {"dev"}
    assert extras == {"postgres", "adapters", "fast"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    installing = readme.split("## Installing\n", 1)[1].split("\n## ", 1)[0]
    for extra in extras:
        assert f'pip install "q2c[{extra}]"' in installing, extra
