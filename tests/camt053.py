"""One camt.053 bank statement of a single booked credit, for the tests of what a bank
statement's texts may hold: each text is given as it should stand in the file (not escaped)."""

from __future__ import annotations

TX_DETAILS = "          <TxDtls>"


def one_credit(
    *,
    remittance: str = "order 77",
    name: str = "Unknown Ltd",
    reference: str = "R-1",
    amount: str = "100.00",
    iban: str | None = None,
    bank_text: str | None = None,
) -> str:
    """A statement of account DE89370400440532013000 with one credit of ``amount`` EUR booked
    on 2024-04-02 under the bank's ``reference``, paid by ``name`` (from ``iban`` when given)
    with the payer's ``remittance`` text and the bank's own ``bank_text`` (AddtlTxInf) when
    given. Its transaction details open on the line :func:`tx_details_line` gives."""
    account = f"\n              <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>" if iban else ""
    addtl = f"<AddtlTxInf>{bank_text}</AddtlTxInf>" if bank_text is not None else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <Stmt>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2024-04-02</Dt></BookgDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        <NtryDtls>
{TX_DETAILS}
            <RltdPties>
              <Dbtr><Nm>{name}</Nm></Dbtr>{account}
            </RltdPties>
            <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>{addtl}
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def tx_details_line(statement: str) -> int:
    """The line (counted from 1) of the statement on which its transaction details open."""
    return statement.splitlines().index(TX_DETAILS) + 1
