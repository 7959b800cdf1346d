"""A CRM export's contract number is read as sign_contract reads it.

Acme's maintenance contract MC-1 came in from the CRM. A later export written by another tool
gave the number in full-width characters (``ＭＣ-1``, as some Asian keyboard layouts type it):
every invoice, report and export prints it as MC-1, and sign_contract refuses it as Acme's
contract signed first. The import signed it as a second contract of Acme's, billed beside the
first. It is refused now, naming the row and the contract column, nothing recorded; so is a
sub-contract id typed so. A number the contract rule refuses (a zero-width space only) is named
by the file's column, ``contract``, as the import's other problems of the number are; so is a
term the contract refuses (``term_end``) and an uplift (``renewal_uplift``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import rewrite_stored_event
from test_import_contract_terms import HEADER, MC1, crm, imported

from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


@pytest.mark.parametrize("number", ["ＭＣ-1", "ＭＣ－１", "mc-１"])
def test_a_number_in_full_width_characters_is_not_a_second_contract(
    app: QuoteToCash, number: str
) -> None:
    acme = imported(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes(
            (HEADER + MC1.replace("MC-1", number)).encode(), "crm2.csv", actor="crm"
        )
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "contract")
    assert "'MC-1'" in problem.rule
    assert len(app.customer(acme).contract_ids) == 1
    assert app.recorder.max_notification_id() == before


def test_a_sub_contract_id_in_full_width_characters_is_not_a_second_one(
    app: QuoteToCash,
) -> None:
    acme = imported(app)
    (contract_id,) = app.customer(acme).contract_ids
    row = MC1.replace(";ERP;ERP;", ";ＥＲＰ;ERP;").replace(";licence;;;", ";licence;2024-03-01;;")
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes((HEADER + MC1 + row).encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "sub_id")
    assert set(app.contract(contract_id).sub_contracts) == {"ERP"}


def test_a_number_showing_nothing_is_refused_naming_the_contract_column(
    app: QuoteToCash,
) -> None:
    acme = imported(app)
    before = app.recorder.max_notification_id()
    row = MC1.replace("MC-1", "\u200b")
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes((HEADER + row).encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "contract")
    assert "invisible" in problem.rule
    assert len(app.customer(acme).contract_ids) == 1
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    ("column", "row"),
    [
        # the term's last day before its first: no term at all
        ("term_end", MC1.replace("MC-1", "MC-2").replace("2024-12-31", "2023-12-30")),
        ("term_end", MC1.replace("MC-1", "MC-2").replace("2024-12-31", "2023-12-31")),
    ],
    ids=["ends before it starts", "ends the day before it starts"],
)
def test_a_new_contract_s_term_refused_names_the_file_s_column(
    app: QuoteToCash, column: str, row: str
) -> None:
    """The contract's rules name its ``term`` (or a ``period``); the file gives term_start
    and term_end, and the one to correct is the end the CRM wrote."""
    acme = imported(app)
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes((HEADER + row).encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, column)
    assert len(app.customer(acme).contract_ids) == 1


def test_an_uplift_cutting_prices_below_zero_names_the_renewal_uplift_column(
    app: QuoteToCash,
) -> None:
    acme = imported(app)
    text = "contract_number;customer;term_start;term_end;frequency;auto_renew;renewal_uplift\n"
    text += "MC-2;Acme GmbH;2024-01-01;2024-12-31;monthly;yes;-150 %\n"
    with pytest.raises(ImportRejected) as caught:
        crm(app).import_bytes(text.encode(), "crm2.csv", actor="crm")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "renewal_uplift")
    assert "below zero" in problem.rule
    assert len(app.customer(acme).contract_ids) == 1


def test_the_export_accepted_before_is_still_recorded_once(app: QuoteToCash) -> None:
    """Read as person_key reads it, MC-1 as recorded is still MC-1: a later export giving it
    as the CRM always did (another file) skips it, recording nothing."""
    acme = imported(app)
    before = app.recorder.max_notification_id()
    report = crm(app).import_bytes((HEADER + MC1 + "\n").encode(), "crm2.csv", actor="crm")
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.customer(acme).contract_ids) == 1
    # (only the batch that says the file was read)
    assert app.recorder.max_notification_id() == before + 1


@pytest.mark.parametrize("number", ["MC\t1", "ＭＣ-1"])
def test_a_contract_numbered_before_the_rules_is_found_again_as_recorded(
    tmp_path: Path, number: str
) -> None:
    """MC-1 was signed from a CRM export before numbers were one line of visible text read as
    sign_contract reads them (with a tab from a spreadsheet, or in full-width characters): the
    CRM's next export, giving it as it always did with one sub-contract more, is that contract
    (its new sub-contract added, its old one skipped), not a new one refused by today's rules,
    and the export sent again records nothing."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = QuoteToCash.open(url)
    acme = imported(app)
    app.close()
    rewrite_stored_event(
        tmp_path / "old.db", "Contract.ContractSigned", lambda e: e.update(number=number)
    )
    app = QuoteToCash.open(url)
    (contract_id,) = app.customer(acme).contract_ids
    assert app.contract(contract_id).number == number
    site = MC1.replace(";ERP;ERP;licence;;;", ";SITE;Site B;site;2024-03-01;;")
    text = (HEADER + MC1 + site).replace("MC-1", number).encode()
    report = crm(app).import_bytes(text, "crm2.csv", actor="crm")
    assert (report.recorded, report.skipped) == (1, 1)
    assert app.customer(acme).contract_ids == [contract_id]
    assert set(app.contract(contract_id).sub_contracts) == {"ERP", "SITE"}
    before = app.recorder.max_notification_id()
    again = crm(app).import_bytes(text, "crm2 (1).csv", actor="crm")
    assert again.already_imported and app.recorder.max_notification_id() == before
    app.close()
