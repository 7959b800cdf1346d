"""Entries and credits imported by an earlier version of the readers keep being recognised: the
readers now name a time entry without an id by its hours in one form (8 is 8.00) and a camt.053
credit by the bank's own reference only, and remember the names earlier versions gave, so an
export or statement imported again after the upgrade records nothing twice.

The earlier version is played by booking the same rows under the names it gave them (what it
wrote to the store), through the same core import commands."""

from __future__ import annotations

import hashlib
from datetime import date

import attrs
from test_import_bank_identity import IBAN, acme_owes_100, bank, credit, reversal, statement, tx
from test_import_changes_refused import acme, authorized_request

from q2c_adapters.importers.bank import read_camt053
from q2c_adapters.importers.time_entries import TimeEntryImporter, read_time_entries_csv
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource

TIMESHEET = "worker,date,ticket,hours\nbob,2024-03-05,T-1,4\nbob,2024-03-06,T-1,3.50\n"


def earlier_source(name: str, kind: ImportKind) -> ImportSource:
    return ImportSource(hashlib.sha256(name.encode()).hexdigest(), name, kind)


def test_a_timesheet_imported_before_the_upgrade_is_not_recorded_again() -> None:
    """Before, bob's 4 hours were named by a hash of "4"; now of "4.00". The entry carries the
    earlier name too, so the same timesheet imported again is skipped, not billed twice."""
    app = QuoteToCash.open("memory:")
    request = authorized_request(app, acme(app))
    rows, problems = read_time_entries_csv(TIMESHEET)
    assert problems == []
    assert rows[0].former_ids and not rows[1].former_ids  # ("3.50" reads the same either way)
    as_before = [attrs.evolve(r, entry_id=(r.former_ids or (r.entry_id,))[0]) for r in rows]
    app.import_time_entries(
        earlier_source("march.csv", ImportKind.TIME_ENTRIES),
        as_before,
        imported_on=date(2024, 3, 10),
        actor="psa",
        tickets={"T-1": request},
    )
    again = TimeEntryImporter(app, tickets={"T-1": request}).import_bytes(
        TIMESHEET.encode(), "march (again).csv", actor="psa"
    )
    assert (again.recorded, again.skipped) == (0, 2)
    assert len(app.request(request).work) == 2


def test_a_credit_booked_before_the_upgrade_is_not_booked_again_and_can_be_reversed() -> None:
    """Before, a transfer whose transaction carried only the payer's EndToEndId was booked
    under it. The same statement imported after the upgrade skips it (one payment, not two),
    and the bank's later reversal, which repeats the EndToEndId, bounces that payment."""
    app = QuoteToCash.open("memory:")
    acme_id, invoice = acme_owes_100(app)
    april = statement(credit("2024-04-02", "100.00", tx(end_to_end="INV-000001"), ref="E-77"))
    rows, problems, _ = read_camt053(april, today=date(2024, 5, 3))
    assert problems == [] and rows[0].former_keys == (f"camt:{IBAN}:INV-000001",)
    as_before = [attrs.evolve(rows[0], credit_key=rows[0].former_keys[0], former_keys=())]
    app.import_bank_credits(
        earlier_source("apr02.xml", ImportKind.BANK_STATEMENT),
        as_before,
        imported_on=date(2024, 4, 3),
        actor="bank-sync",
    )
    assert app.invoice(invoice).outstanding.is_zero()

    again = bank(app).import_bytes(april, "apr02 (again).xml", actor="bank-sync")
    assert (again.recorded, again.skipped) == (0, 1)
    assert len(app.customer(acme_id).payment_ids) == 1

    returned = statement(
        reversal("2024-04-09", "100.00", ref="R-1", reverses="E-77"), message="MSG-9"
    )
    report = bank(app).import_bytes(returned, "apr09.xml", actor="bank-sync")
    assert report.recorded == 1
    (payment,) = app.customer(acme_id).payment_ids
    assert app.payment(payment).is_bounced
    assert not app.invoice(invoice).outstanding.is_zero()
