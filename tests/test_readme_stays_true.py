"""The README is the user manual: what it says of the code is read from the code here, so it
cannot drift again. It said the revenue forecast's rows were version 5 in one paragraph and 6
in another (the code's is 6), and unbilled revenue 7 and 8 (the code's is 8): an operator
reading the wrong one could not tell whether an upgrade would refuse the store until
``q2c rebuild``."""

from __future__ import annotations

import re
from pathlib import Path

from q2c_core import ProjectionStore, all_projections

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The README's text under a heading (any level), up to the next heading of any level."""
    found = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", README, re.M | re.S)
    assert found is not None, f"README has no section {heading!r}"
    return found.group(1)


def readme_rows_versions() -> dict[str, int]:
    """The rows versions table: ``| `ClassName` | `store name` | version |``."""
    rows = re.findall(r"^\| `(\w+)` \| `\w+` \| (\d+) \|$", section("Rows versions"), re.M)
    return {name: int(version) for name, version in rows}


def test_the_readme_lists_every_read_model_with_the_rows_version_its_code_has() -> None:
    """One table, every projection ``all_projections`` builds, each with its ``config()``'s
    rows version: a store built with other rows is refused until ``q2c rebuild``."""
    projections = all_projections(ProjectionStore.open("memory:"))
    in_code = {type(p).__name__: p.config()["rows"] for p in projections}
    assert readme_rows_versions() == in_code


def test_the_readme_gives_a_rows_version_only_in_its_table() -> None:
    """The other passages point to the table instead of repeating a number that can go stale
    (``version 5`` beside ``version 6`` for one read model)."""
    outside = README.replace(section("Rows versions"), "")
    assert not re.findall(r"(?i)\bversion \d+\b.{0,80}q2c rebuild", outside, re.S)
    assert not re.findall(r"(?i)rows versions?: \w+ \d", outside)
    assert not re.findall(r"(?i)rows are version \d", outside)


def test_the_readme_points_only_at_files_the_repository_holds() -> None:
    """It sent readers to ``../shared/DESIGN.md``, outside the repository: missing in every
    clone. The brief is ``docs/DESIGN.md`` now, and every file a link names is there."""
    assert "../" not in README
    linked = re.findall(r"\]\((?!https?:|#)([^)#\s]+)", README)
    assert "docs/DESIGN.md" in linked
    for path in linked:
        assert (ROOT / path).is_file(), path


def test_the_map_of_the_packages_gives_every_module_a_line() -> None:
    """The map left out fifteen modules of q2c_core (billing.py, workers.py, snapshot_check.py
    ...), four of q2c_adapters and a benchmark: each module, listed with ``ls``, now starts a
    line of its own followed by what it is for."""
    the_map = section("Map of the packages")
    folders = [
        "src/q2c_core",
        "src/q2c_core/domain",
        "src/q2c_core/projections",
        "src/q2c_adapters",
        "src/q2c_adapters/accounting",
        "src/q2c_adapters/documents",
        "src/q2c_adapters/importers",
        "benchmarks",
        "examples",
    ]
    modules = [
        f"{folder}/{path.name}"
        for folder in folders
        for path in sorted((ROOT / folder).glob("*.py"))
        if path.name != "__init__.py"
    ]
    missing = [
        module
        for module in modules
        if not re.search(rf"^ +{re.escape(module.rsplit('/', 1)[1])} +\S", the_map, re.M)
    ]
    assert missing == []


def test_the_map_says_which_packages_q2c_core_needs() -> None:
    """The map's "eventsourcing, attrs, cattrs only" left out psycopg, which the PostgreSQL recorder
    imports, and orjson, used when installed."""
    the_map = section("Map of the packages")
    assert "only)" not in the_map
    assert "psycopg for PostgreSQL" in the_map
    assert "orjson optional" in the_map


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def test_every_link_within_the_readme_leads_to_one_of_its_headings() -> None:
    """The contents line and the cross-references (``[Rows versions](#rows-versions)``) take a
    reader to a heading the README has: a renamed heading would leave a dead link."""
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", README)
    assert len(links) >= 10
    assert sorted(set(links) - anchors) == []


def test_every_call_the_readme_writes_out_names_the_arguments_the_method_requires() -> None:
    """A call the README writes out whole (no ``...``), such as ``notice_past_due(as_of)`` or
    ``deduct_deposit(final, deposit)``, is one a reader types as shown: it left out the
    ``actor`` both require (a TypeError). Each such call of a ``QuoteToCash`` method now names
    every keyword its method requires, and no keyword it does not take."""
    import inspect

    from q2c_core import QuoteToCash

    wrong = []
    calls = re.findall(r"`(?:app\.)?([a-z_]+)\(([^`]*)\)`", README)
    checked = 0
    for name, args in calls:
        method = getattr(QuoteToCash, name, None)
        if not callable(method) or "..." in args:
            continue
        checked += 1
        parameters = inspect.signature(method).parameters
        given = set(re.findall(r"(\w+)=", args))
        required = {
            p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty
        }
        if required - given or given - set(parameters):
            wrong.append((name, sorted(required - given), sorted(given - set(parameters))))
    assert checked >= 10
    assert wrong == []
