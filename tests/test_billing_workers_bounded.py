"""`q2c bill --workers 100000` on a store of two contracts forked a process per share, nearly
all with nothing to bill, for minutes. A share with no contract now starts no process, and
more workers than a machine can use (above ``MAX_BILLING_WORKERS``) are refused naming
``workers``, nothing recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_contract_billing_backends import setup

from q2c_core import InvalidValue, QuoteToCash, billing_run
from q2c_core.billing_run import MAX_BILLING_WORKERS


def test_no_process_for_a_share_of_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two contracts, 50 workers asked: two processes start (a spy around the real ``start``
    counts them), and the run bills what one process would."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    setup(app, 2)
    preview = app.preview_billing(date(2024, 3, 1))
    started: list[int] = []
    real_start = billing_run.start

    def counting_start(context: Any, target: Any, args: Any, name: str) -> Any:
        started.append(len(args))
        return real_start(context, target, args, name)

    monkeypatch.setattr(billing_run, "start", counting_start)
    result = app.run_billing(date(2024, 3, 1), actor="run", workers=50)
    assert started == [2]
    assert [(d.contract_id, d.period, d.net) for d in result.documents] == [
        (p.contract_id, p.period, p.net) for p in preview
    ]
    app.close()


def test_more_workers_than_a_machine_uses_are_refused(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    setup(app, 2)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.run_billing(date(2024, 3, 1), actor="run", workers=MAX_BILLING_WORKERS + 1)
    assert refused.value.field == "workers"
    assert app.recorder.max_notification_id() == before
    app.close()
