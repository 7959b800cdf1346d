"""A camt.053 carrying a DTD (``<!DOCTYPE ...>``) is refused, not read with its entities left out.

A "statement" arrived whose remittance read ``Invoice &inv;``, with ``inv`` declared in the
file's DOCTYPE as INV-000004 (or as the content of ``file:///etc/passwd``). q2c rightly never
resolves entities, so the credit was booked with the remittance "Invoice", the words behind the
entity silently gone, and waited in suspense as nobody's. No bank writes a DTD into an ISO 20022
statement: one that does is refused, naming the line, nothing recorded; an entity bomb is too.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

BODY = """<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>M-1</MsgId></GrpHdr>
<Stmt><Id>S-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">750.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt><NtryDtls><TxDtls>
<Refs><AcctSvcrRef>TX-1</AcctSvcrRef></Refs><RmtInf><Ustrd>Invoice &inv;</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>
"""
LAUGH = "".join(f'<!ENTITY l{n + 1} "{f"&l{n};" * 10}">' for n in range(8))


@pytest.mark.parametrize(
    "dtd",
    [
        '<!DOCTYPE Document [<!ENTITY inv "INV-000004">]>',
        '<!DOCTYPE Document [<!ENTITY inv SYSTEM "file:///etc/passwd">]>',
        f'<!DOCTYPE Document [<!ENTITY l0 "lol">{LAUGH}<!ENTITY inv "&l8;">]>',
        '<!DOCTYPE Document SYSTEM "http://example.com/camt.dtd">',
    ],
    ids=["internal entity", "external entity", "entity bomb", "external DTD"],
)
def test_a_statement_with_a_dtd_is_refused(app: QuoteToCash, dtd: str) -> None:
    build(app)
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}\n{BODY}'.encode()
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        BankStatementImporter(app, today=date(2024, 4, 3)).import_bytes(
            data, "statement.xml", actor="bank"
        )
    (problem,) = caught.value.problems
    assert problem.field == "xml"
    assert "DTD" in problem.rule or "entity" in problem.rule
    assert "root:" not in problem.rule  # nothing of /etc/passwd read
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
