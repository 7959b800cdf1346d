"""An invoice a correction drafts after its contract ended carries the customer's new terms.

Brauhaus Nord's MC-0 served from 1 January and was terminated from 1 March; MC-1 runs on.
From 1 July the brewery pays in 14 days instead of 30, its contracts with it
(``change_customer_payment_terms(..., contracts=True)``). MC-0 was skipped, as having nothing
left to bill. But an ended contract now takes corrections of the days it served: in August the
clerk finds the Lager site was served in February and never recorded, adds it to MC-0, and the
run bills February's days on an invoice drafted in August, due 30 days after issue, where every
other invoice the brewery gets from July on (MC-1's included) is due in 14. An ended contract
that served now follows the customer's change as a live one does; one that never served bills
nothing again and is left as it was.
"""

from __future__ import annotations

from datetime import date, timedelta

from test_contract_payment_terms_change import brewery, issued, maintenance

from q2c_core import (
    ContractPaymentTermsFrom,
    InvoiceKind,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.money import Money

JULY_1 = date(2024, 7, 1)
MARCH_1 = date(2024, 3, 1)


def test_a_site_added_after_the_end_is_billed_at_the_terms_of_its_drafting_day(
    app: QuoteToCash,
) -> None:
    customer = brewery(app)
    ended = maintenance(app, customer, "MC-0")
    live = maintenance(app, customer, "MC-1")
    never = maintenance(app, customer, "MC-9", term=Period(date(2024, 6, 1), date(2025, 6, 1)))
    for month in (1, 2):
        app.run_billing(date(2024, month, 1), actor="run")
    app.terminate_contract(
        ended, effective=MARCH_1, reason="moved", actor="bea", noticed_on=date(2024, 2, 15)
    )
    # (signed from June, activated then, and terminated on its first day: it never served)
    app.terminate_contract(
        never, effective=date(2024, 6, 1), reason="cancelled", actor="bea", noticed_on=JULY_1
    )

    assert app.change_customer_payment_terms(
        customer, payment_terms_days=14, effective=JULY_1, actor="bea", contracts=True
    )
    assert app.contract(live).payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
    assert app.contract(ended).payment_terms_changes == [ContractPaymentTermsFrom(JULY_1, 14)]
    assert app.contract(never).payment_terms_changes == ()

    lager = SubContract(
        "S2",
        "Lager site",
        SubContractKind.SITE,
        date(2024, 2, 1),
        (PricePoint(date(2024, 2, 1), Money.of(1200, "EUR")),),
        effective_to=MARCH_1,
    )
    app.add_sub_contract(ended, lager, actor="bea")
    august = date(2024, 8, 2)
    [extra] = [d for d in app.run_billing(august, actor="run").documents if d.contract_id == ended]
    invoice = app.invoice(extra.invoice_id)
    assert invoice.kind is InvoiceKind.STANDARD and str(invoice.net.amount) == "100.00"
    assert invoice.payment_terms_days == 14
    assert issued(app, invoice, august).due_date == august + timedelta(days=14)
