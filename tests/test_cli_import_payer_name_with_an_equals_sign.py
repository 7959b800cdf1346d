"""``--payer IBAN=CUSTOMER`` splits at the first ``=``: an account never holds one, a name may.

The clerk says the account GB33 … pays for "Meyer=Partner GmbH" (the firm writes its name so).
The pair was split at its last ``=``: the account read as ``GB33…=MEYER`` and the customer as
"Partner GmbH", refused as no customer, or, with a customer of that name on record, the
payer's money given to the wrong customer. Now the account is what comes before the first
``=`` and the name all after it (``--ticket REF=REQUEST_ID`` still splits at its last: a
request id holds none, a ticket reference may).
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from test_cli_imports import DATA, books, opened, q2c
from test_import_bank import build as owing_invoices

from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import SuspenseReason


def with_two_partners(app: QuoteToCash) -> dict[str, UUID]:
    ids = owing_invoices(app)
    ids["meyer"] = app.register_customer(
        "Meyer=Partner GmbH", "EUR", account_manager="mia", actor="a"
    )
    ids["partner"] = app.register_customer("Partner GmbH", "EUR", account_manager="mia", actor="a")
    return ids


def test_a_payer_named_with_an_equals_sign_is_that_customer(tmp_path: Path) -> None:
    url, ids = books(tmp_path, with_two_partners)
    result = q2c(
        "import",
        "bank-statement",
        str(DATA / "bank_statement.csv"),
        *("--url", url, "--actor", "bank-sync", "--today", "2024-04-05"),
        *("--account", "DE89 3704 0044 0532 0130 00"),
        *("--payer", "GB33 BUKB 2020 1555 5555 55=Meyer=Partner GmbH"),
    )
    assert result.exit_code == 0, result.output
    with opened(url) as app:
        (parked,) = app.bank_suspense()
        assert parked.customer_id == ids["meyer"]
        assert parked.suspense_reason is SuspenseReason.NO_INVOICE
