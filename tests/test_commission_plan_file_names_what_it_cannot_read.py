"""A commission plan file with a revenue kind q2c has no such name for, a rate that is no
number or a day that is no date is refused naming the entry, the key and what was written:
the finance team typed "travel" for a kind, "5%" for a rate or 2026-13-01 for a day, and was
told "no 'TRAVEL'" (as if a key were missing), "[<class 'decimal.ConversionSyntax'>]" or
"month must be in 1..12", naming nothing of the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli import load_plan

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.mark.parametrize(
    ("entry", "named", "said"),
    [
        ({"revenue_kind": "travel"}, "'revenue_kind'", "'travel'"),
        ({"revenue_kind": None}, "'revenue_kind'", "None"),
        ({"revenue_kind": 5}, "'revenue_kind'", "5"),
        ({"rate": "5%"}, "'rate'", "'5%'"),
        ({"rate": True}, "'rate'", "True"),
        ({"rate": [1]}, "'rate'", "[1]"),
        ({"effective_from": "2026-13-01"}, "'effective_from'", "'2026-13-01'"),
        ({"effective_from": "1st of May"}, "'effective_from'", "'1st of May'"),
    ],
)
def test_a_plan_entry_q2c_cannot_read_is_refused_naming_its_key_and_value(
    tmp_path: Path, entry: dict[str, object], named: str, said: str
) -> None:
    """Mia's 10 % on enhancements is the plan's second entry: what is wrong in it is named
    with the entry's number, the key and what was written, and the kinds a plan may name are
    listed; q2c report exits 2, no traceback."""
    rate = {"manager": "mia", "revenue_kind": "enhancement", "rate": "0.10", **entry}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"revenue_kind": "maintenance", "rate": "0.02"}, rate]))
    with pytest.raises(typer.BadParameter) as refused:
        load_plan(plan)
    message = str(refused.value)
    assert "entry 2" in message and named in message and said in message, message
    if named == "'revenue_kind'":
        assert "enhancement, maintenance" in message, message
    result = runner.invoke(
        cli,
        [
            "report",
            "commissions",
            "--url",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--commission-plan",
            str(plan),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "is not a commission plan" in result.output and "entry 2" in result.output


def test_a_plan_naming_kinds_as_people_type_them_is_read(tmp_path: Path) -> None:
    """What the refusals above leave alone: a kind in any case, a rate as text or a number,
    a day in ISO form."""
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            [
                {"revenue_kind": "Enhancement", "rate": "0.05"},
                {"manager": "mia", "revenue_kind": "MAINTENANCE", "rate": 0.03},
                {"revenue_kind": "enhancement", "rate": "0.07", "effective_from": "2026-05-01"},
            ]
        )
    )
    assert load_plan(plan).describe() == [
        ["*", "ENHANCEMENT", "0.05", "0001-01-01"],
        ["*", "ENHANCEMENT", "0.07", "2026-05-01"],
        ["mia", "MAINTENANCE", "0.03", "0001-01-01"],
    ]
