"""Two statements of the same week imported at one moment book each transfer once.

Found by review: a camt.053 (with the bank's reference) and the CSV export of the same week
(without it) imported at the same moment by two processes each booked the 250.00 a stranger
sent on 2 April ("order 77"): two credits in suspense, and neither import was refused. One
after the other the second statement's row is skipped as the credit the first booked. The
two saves wrote aggregates that shared no id (``camt:...:BANK-REF-1`` with its content names,
``c:...:0`` with its ``any-payer/`` name; no customer, no payment, no invoice), so neither
clashed with the other and neither was decided again. Likewise a camt.053 batch entry (two
transfers under E1) racing the CSV export's one row of the entry's total under E1.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

from racing import save_once_all_looked

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportReport

OURS = "DE89370400440532013000"
PAYER = "DE02100100109307118603"


def camt(entries: str, message: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
 <GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-04-03T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S-1</Id><Acct><Id><IBAN>{OURS}</IBAN></Id></Acct>{entries}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def transfer(day: str, reference: str, text: str, amount: str = "250.00") -> str:
    """A stranger's transfer (no customer of ours), with the bank's reference."""
    return f"""
  <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>{day}</Dt></BookgDt><NtryDtls><TxDtls>
    <Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>
    <RltdPties><Dbtr><Pty><Nm>Stranger Ltd</Nm></Pty></Dbtr>
     <DbtrAcct><Id><IBAN>{PAYER}</IBAN></Id></DbtrAcct></RltdPties>
    <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
   </TxDtls></NtryDtls></Ntry>"""


def batch_entry() -> str:
    """Two strangers' transfers of 60.00 and 59.00 the bank booked on 2 April as one entry, E1."""
    parts = "".join(
        f"""<TxDtls><Amt Ccy="EUR">{amount}</Amt><RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>
</RltdPties><RmtInf><Ustrd>gift {n}</Ustrd></RmtInf></TxDtls>"""
        for n, (amount, name) in enumerate([("60.00", "Stranger Ltd"), ("59.00", "Other Ltd")])
    )
    return f"""
  <Ntry><Amt Ccy="EUR">119.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
   <BookgDt><Dt>2024-04-02</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef>
   <NtryDtls>{parts}</NtryDtls></Ntry>"""


CSV_WEEK = (
    "date,amount,currency,remittance,name,account\n"
    f"2024-04-02,250.00,EUR,order 77,Stranger Ltd,{OURS}\n"
).encode()
CSV_TOTAL = (
    "date,amount,currency,remittance,name,reference,account\n"
    f"2024-04-02,119.00,EUR,SEPA collective credit 2 items,,E1,{OURS}\n"
).encode()


def importer(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30), account=OURS)


def march_known(url: str) -> None:
    """Our account is known from March's statement already."""
    app = QuoteToCash.open(url)
    importer(app).import_bytes(
        camt(transfer("2024-03-01", "OLD-1", "misc", "5.00"), "M-0"), "mar.xml", actor="bank"
    )
    app.close()


def at_one_moment(url: str, files: list[tuple[bytes, str]]) -> dict[str, ImportReport]:
    """Each file imported by its own process, each having looked before either saved."""
    apps = [QuoteToCash.open(url) for _ in files]
    save_once_all_looked(apps)
    reports: dict[str, ImportReport] = {}
    errors: list[BaseException] = []

    def run(app: QuoteToCash, data: bytes, name: str) -> None:
        try:
            reports[name] = importer(app).import_bytes(data, name, actor="bank")
        except BaseException as error:  # named by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(app, data, name))
        for app, (data, name) in zip(apps, files, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for app in apps:
        app.close()
    assert errors == []
    return reports


def april(url: str) -> list[Any]:
    app = QuoteToCash.open(url)
    try:
        return [c for c in app.bank_credits() if c.credit.booked_on == date(2024, 4, 2)]
    finally:
        app.close()


def test_the_camt_and_the_csv_of_one_week_at_one_moment_book_the_transfer_once(
    shared_url: str,
) -> None:
    """The stranger's 250.00 of 2 April, in the camt.053 (BANK-REF-1, the stranger's IBAN) and
    in the CSV export (no reference, no IBAN), imported at the same moment: one credit in
    suspense, as one after the other; one statement booked it, the other skipped its row."""
    march_known(shared_url)

    reports = at_one_moment(
        shared_url,
        [
            (camt(transfer("2024-04-02", "BANK-REF-1", "order 77"), "M-1"), "apr.xml"),
            (CSV_WEEK, "apr.csv"),
        ],
    )

    credits = april(shared_url)
    assert [c.credit.amount.amount for c in credits] == [Decimal("250.00")]
    assert credits[0].is_suspended
    assert sorted((r.suspended, r.skipped) for r in reports.values()) == [(0, 1), (1, 0)]


def test_a_batch_entry_and_the_csv_row_of_its_total_at_one_moment_are_received_once(
    shared_url: str,
) -> None:
    """Two strangers' 60.00 and 59.00, one entry E1 of the camt.053, and the CSV export's one
    row of 119.00 under E1, imported at the same moment: 119.00 received once, as one after
    the other."""
    march_known(shared_url)

    reports = at_one_moment(
        shared_url, [(camt(batch_entry(), "M-1"), "apr.xml"), (CSV_TOTAL, "apr.csv")]
    )

    received = sum((c.credit.amount.amount for c in april(shared_url)), Decimal("0.00"))
    assert received == Decimal("119.00")
    # the camt.053's two transfers booked and the CSV's row skipped, or the other way round
    booked = sorted((r.recorded + r.suspended, r.skipped) for r in reports.values())
    assert booked in ([(0, 1), (2, 0)], [(0, 2), (1, 0)])
