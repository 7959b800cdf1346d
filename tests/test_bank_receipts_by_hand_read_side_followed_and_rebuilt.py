"""The reports count a statement credit matched to a receipt entered by hand once, whether
they followed the store as it was written or were rebuilt from scratch.

Clara records Acme's TR-88 (119.00) by hand and puts it on the invoice; the statement brings it
under tr-88 (matched: no second payment). Clara records 50.00 under her own reference CL-2; the
next statement brings it under BK-9, which waits in suspense as that receipt perhaps, and Ana
matches it. The bank then takes TR-88 back (Clara's payment bounces). Every projection followed
step by step holds the same rows as every projection rebuilt from an empty start, and Acme's
statement, aging and commissions count each transfer once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from test_bank_credit_matched_to_a_payment_recorded_by_hand import clara_records_tr88, tr88
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import eur

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash, SuspenseReason
from q2c_core.projections import CustomerStatement, all_projections, catch_up, rebuild

END = date(2024, 4, 30)


def test_followed_and_rebuilt_reports_agree_and_count_each_transfer_once(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    followed = all_projections()
    acme, _invoice, number, tr88_payment = clara_records_tr88(app)
    catch_up(app, followed)
    bank = BankStatementImporter(app, today=END)
    bank.import_bytes(tr88(number), "apr03.xml", actor="bank")
    catch_up(app, followed)
    cl2 = app.receive_payment(
        acme, eur("50.00"), received_on=date(2024, 4, 5), reference="CL-2", actor="clara"
    )
    bk9 = entry("2024-04-06", CREDIT, "50.00", "BK-9", "Acme GmbH", "thanks")
    bank.import_bytes(statement("2024-04-06", bk9), "apr06.xml", actor="bank")
    [waiting] = app.bank_suspense()
    assert waiting.suspense_reason is SuspenseReason.MAYBE_RECORDED_BY_HAND
    catch_up(app, followed)
    app.resolve_bank_credit(waiting.id, resolved_on=date(2024, 4, 8), actor="ana", payment_id=cl2)
    catch_up(app, followed)
    shown = next(p for p in followed if isinstance(p, CustomerStatement))
    before_reversal = shown.statement(acme, as_of=END)
    back = entry("2024-04-09", REVERSAL, "119.00", "tr-88", "Acme GmbH", f"invoice {number}")
    bank.import_bytes(statement("2024-04-09", back), "apr09.xml", actor="bank")
    catch_up(app, followed)

    rebuilt = all_projections()
    rebuild(app, rebuilt)

    for live, again in zip(followed, rebuilt, strict=True):
        assert live.rows() == again.rows(), live.name
    assert app.customer(acme).payment_ids == [tr88_payment, cl2]  # no payment of the bank's
    # before the reversal: the invoice paid by Clara's 119.00 once, her 50.00 Acme's credit
    assert (before_reversal.open, before_reversal.credit) == (eur("0.00"), eur("50.00"))
    after = shown.statement(acme, as_of=END)
    assert (after.open, after.credit) == (eur("119.00"), eur("50.00"))
    summary = app.customer_summary(acme, as_of=END)
    assert (summary.open, summary.credit) == (after.open, after.credit)
    app.close()
