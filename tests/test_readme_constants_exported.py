"""The limits the README names bare, as a caller checks them before a call
(``MAX_PAYMENT_TERMS_DAYS``, ``MAX_BILLING_WORKERS``), are ``q2c_core``'s: ``from q2c_core
import MAX_BILLING_WORKERS`` raised ImportError (only ``q2c_core.billing_run`` had it), while the
README says a run takes "at most ``MAX_BILLING_WORKERS``, 64" workers."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date
from pathlib import Path

import pytest

import q2c_core
from q2c_core import InvalidValue, QuoteToCash

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def core_constants() -> dict[str, str]:
    """Every public upper-case name a module of q2c_core defines, with the module."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(q2c_core.__path__, "q2c_core."):
        module = importlib.import_module(info.name)
        for name in vars(module):
            if re.fullmatch(r"[A-Z][A-Z0-9_]+", name) and name not in found:
                found[name] = info.name
    return found


def test_every_constant_the_readme_names_bare_is_exported_by_q2c_core() -> None:
    bare = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", README))
    named = {name: where for name, where in core_constants().items() if name in bare}
    assert "MAX_BILLING_WORKERS" in named
    assert sorted(n for n in named if n not in q2c_core.__all__) == []


def test_a_run_with_more_workers_than_max_billing_workers_is_refused() -> None:
    from q2c_core import MAX_BILLING_WORKERS

    assert MAX_BILLING_WORKERS == 64
    app = QuoteToCash.open("memory:")
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(date(2026, 3, 1), actor="run", workers=MAX_BILLING_WORKERS + 1)
    assert refused.value.field == "workers"
    app.close()


def core_classes() -> dict[str, str]:
    """Every public class a module of q2c_core defines, with the module that defines it."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(q2c_core.__path__, "q2c_core."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == info.name and name[0] != "_":
                found.setdefault(name, info.name)
    return found


def test_every_class_the_readme_names_is_exported_by_q2c_core() -> None:
    """A reader who meets ``AppliedCredit.given_back`` (what a credit note gave back) or the
    stored ``RecordedWorkEntry`` in the README imports it from ``q2c_core``, as ``Invoice`` or
    ``RetryKey``: ``from q2c_core import AppliedCredit`` raised ImportError, only
    ``q2c_core.domain.invoice`` had it. Read models are ``q2c_core.projections``'."""
    import q2c_core.projections

    named = set(re.findall(r"`([A-Z][a-z]\w*)(?:\.\w+)?(?:\(|`)", README))
    defined = {name: where for name, where in core_classes().items() if name in named}
    assert "AppliedCredit" in defined
    missing = [
        name
        for name in sorted(defined)
        if name not in q2c_core.__all__ and name not in q2c_core.projections.__all__
    ]
    assert missing == []
