"""Bank statements: ISO 20022 camt.053 (any version 001.02 to 001.13) and CSV.

Only booked credits become payments; debits, pending entries and reversals are counted as
ignored. Each credit gets a key that names it across statements (the bank's own transaction
reference, else a hash of its details), so overlapping statements book each credit once.

A credit whose text carries a payment-card number is a row error: the file is refused, naming the
line, and the card number is never stored nor echoed back.

CSV columns (case-insensitive; aliases in brackets): ``date`` [booking_date, booked_on,
value_date], ``amount`` (credits positive, debits negative) or ``credit`` / ``debit`` columns,
``currency`` [ccy], optional ``direction`` [credit_debit, type, soll_haben] (C/D, CRDT/DBIT,
H/S: the sign of an always-positive amount), ``reference`` [bank_reference, transaction_id],
``remittance`` [purpose, description, details, text], ``name`` [counterparty, debtor, payer],
``iban`` [counterparty_iban, debtor_iban, account_number], ``account`` [own_account].
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from lxml import etree

from q2c_adapters.importers._files import (
    CellError,
    FileImporter,
    decode_text,
    parse_date,
    parse_decimal,
    read_csv,
)
from q2c_core.domain.bank_credit import StatementCredit
from q2c_core.domain.errors import Q2CError
from q2c_core.domain.import_batch import ImportKind, ImportReport, ImportSource, RowProblem
from q2c_core.domain.import_rows import BankCreditRow
from q2c_core.domain.money import Money

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash


def _hash_key(*parts: str) -> str:
    return "h:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _money(amount: Decimal, currency: str, field: str) -> Money:
    try:
        return Money(amount, currency.strip().upper())
    except Q2CError as e:
        raise CellError(e.rule, field=field, value=currency) from None


# -- camt.053 ------------------------------------------------------------------------------------


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _all_text(element: etree._Element | None, path: str) -> list[str]:
    if element is None:
        return []
    return [(e.text or "").strip() for e in element.findall(path) if (e.text or "").strip()]


def _line(element: etree._Element | None) -> int:
    """The line an element starts on (lxml knows it), 0 when unknown."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def _camt_date(element: etree._Element | None) -> date:
    text = _text(element, "{*}Dt") or _text(element, "{*}DtTm")[:10]
    if not text:
        raise CellError("the entry has no booking date", field="BookgDt")
    return parse_date(text, "BookgDt")


def _camt_amount(element: etree._Element | None, field: str) -> tuple[Decimal, str]:
    if element is None:
        raise CellError("is missing", field=field)
    currency = element.get("Ccy", "")
    if not currency:
        raise CellError("has no Ccy attribute", field=field)
    return parse_decimal(element.text or "", field), currency


def _party_name(tx: etree._Element | None, role: str) -> str:
    # camt.053.001.02: RltdPties/Dbtr/Nm; from .001.08 on: RltdPties/Dbtr/Pty/Nm
    return _text(tx, f"{{*}}RltdPties/{{*}}{role}/{{*}}Nm") or _text(
        tx, f"{{*}}RltdPties/{{*}}{role}/{{*}}Pty/{{*}}Nm"
    )


def _remittance(tx: etree._Element | None) -> str:
    parts = _all_text(tx, "{*}RmtInf/{*}Ustrd")
    parts += _all_text(tx, "{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")
    parts += _all_text(tx, "{*}RmtInf/{*}Strd/{*}RfrdDocInf/{*}Nb")
    parts += _all_text(tx, "{*}AddtlTxInf")
    return " ".join(parts)


def read_camt053(data: bytes) -> tuple[list[BankCreditRow], list[RowProblem], int]:
    """Parse a camt.053 statement: its booked credits, problems by line, and entries ignored."""
    seen: dict[str, int] = {}
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        return [], [RowProblem(e.lineno or 1, "xml", f"not well-formed XML: {e.msg}")], 0
    if not root.tag.startswith("{urn:iso:std:iso:20022:tech:xsd:camt.053."):
        return [], [RowProblem(_line(root) or 1, "xml", "not a camt.053 document")], 0
    rows: list[BankCreditRow] = []
    problems: list[RowProblem] = []
    ignored = 0
    statements = root.findall("{*}BkToCstmrStmt/{*}Stmt")
    if not statements:
        problems.append(RowProblem(_line(root) or 1, "Stmt", "the document has no statement"))
    for stmt in statements:
        account = _text(stmt, "{*}Acct/{*}Id/{*}IBAN") or _text(stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id")
        for entry in stmt.findall("{*}Ntry"):
            line = _line(entry)
            try:
                indicator = _text(entry, "{*}CdtDbtInd")
                status = _text(entry, "{*}Sts") or _text(entry, "{*}Sts/{*}Cd")
                reversal = _text(entry, "{*}RvslInd").lower() == "true"
                if indicator not in ("CRDT", "DBIT"):
                    raise CellError("must be CRDT or DBIT", field="CdtDbtInd", value=indicator)
                if indicator != "CRDT" or status != "BOOK" or reversal:
                    ignored += 1
                    continue
                booked_on = _camt_date(entry.find("{*}BookgDt"))
                entry_amount, entry_ccy = _camt_amount(entry.find("{*}Amt"), "Amt")
                entry_ref = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
                txs = entry.findall("{*}NtryDtls/{*}TxDtls")
                if len(txs) <= 1:
                    tx = txs[0] if txs else None
                    amounts = [(tx, entry_amount, entry_ccy)]
                else:
                    amounts = []
                    for tx in txs:
                        tx_amt = tx.find("{*}Amt")
                        if tx_amt is None:
                            tx_amt = tx.find("{*}AmtDtls/{*}TxAmt/{*}Amt")
                        amount, ccy = _camt_amount(tx_amt, "TxDtls/Amt")
                        amounts.append((tx, amount, ccy))
                    if sum(a for _, a, _ in amounts) != entry_amount:
                        raise CellError(
                            "the transactions do not add up to the entry amount", field="Amt"
                        )
                for n, (tx, amount, ccy) in enumerate(amounts):
                    tx_line = _line(tx) or line
                    try:
                        tx_ref = _text(tx, "{*}Refs/{*}AcctSvcrRef") or _text(
                            tx, "{*}Refs/{*}EndToEndId"
                        )
                        if tx_ref == "NOTPROVIDED":
                            tx_ref = ""
                        reference = tx_ref or entry_ref
                        credit = StatementCredit(
                            booked_on=booked_on,
                            amount=_money(amount, ccy, "Amt"),
                            bank_reference=reference,
                            remittance=_remittance(tx),
                            debtor_name=_party_name(tx, "Dbtr"),
                            debtor_account=_text(tx, "{*}RltdPties/{*}DbtrAcct/{*}Id/{*}IBAN"),
                            account=account,
                        )
                        if tx_ref:
                            key = f"camt:{account}:{tx_ref}"
                        elif entry_ref:
                            key = f"camt:{account}:{entry_ref}:{n}"
                        else:
                            # no reference at all: identical credits in one statement stay
                            # apart by their occurrence (as in the CSV reader), never merged
                            content = _hash_key(
                                account,
                                booked_on.isoformat(),
                                str(amount),
                                ccy,
                                credit.remittance,
                                credit.debtor_account,
                            )
                            occurrence = seen.get(content, 0)
                            seen[content] = occurrence + 1
                            key = f"{content}:{occurrence}"
                        rows.append(BankCreditRow(tx_line, key, credit))
                    except Q2CError as e:
                        problems.append(RowProblem(tx_line, e.field or "TxDtls", e.rule))
            except Q2CError as e:
                problems.append(RowProblem(line, e.field or "Ntry", e.rule))
    return rows, problems, ignored


# -- CSV -----------------------------------------------------------------------------------------

ALIASES = {
    "date": ("booking_date", "booked_on", "value_date", "buchungstag", "date_operation"),
    "amount": ("betrag", "montant"),
    "credit": ("credit_amount", "haben"),
    "debit": ("debit_amount", "soll"),
    "currency": ("ccy", "wahrung", "devise"),
    "reference": ("bank_reference", "transaction_id", "ref"),
    "remittance": ("purpose", "description", "details", "text", "verwendungszweck", "libelle"),
    "name": ("counterparty", "debtor", "payer", "counterparty_name", "auftraggeber"),
    "iban": ("counterparty_iban", "debtor_iban", "account_number"),
    "account": ("own_account", "our_account", "account_iban"),
    "direction": ("credit_debit", "cdt_dbt", "cdtdbtind", "type", "soll_haben", "sens"),
}
_CREDIT = {"C", "CR", "CRDT", "CREDIT", "H", "HABEN", "CREDITO"}
_DEBIT = {"D", "DR", "DBIT", "DEBIT", "S", "SOLL", "DEBITO"}
REQUIRED = ("date", "currency")


def read_bank_csv(text: str) -> tuple[list[BankCreditRow], list[RowProblem], int]:
    """Parse a CSV bank statement: its credits, problems by line, and debit rows ignored."""
    missing, reader = read_csv(text, ALIASES, REQUIRED)
    rows: list[BankCreditRow] = []
    problems = [RowProblem(1, c, "column is missing") for c in missing]
    if missing:
        return rows, problems, 0
    ignored = 0
    seen: dict[str, int] = {}
    for raw in reader:
        try:
            if raw.get("amount"):
                amount = parse_decimal(raw.get("amount"), "amount")
            elif raw.get("credit"):
                amount = parse_decimal(raw.get("credit"), "credit")
            elif raw.get("debit"):
                amount = -abs(parse_decimal(raw.get("debit"), "debit"))
            else:
                raise CellError("give an amount, or a credit or debit", field="amount")
            direction = raw.get("direction").strip().upper()
            if direction in _DEBIT:
                amount = -abs(amount)
            elif direction and direction not in _CREDIT:
                raise CellError("must say credit or debit (C/D, CRDT/DBIT, H/S)", field="direction")
            if amount <= 0:
                ignored += 1
                continue
            booked_on = parse_date(raw.required("date"), "date")
            currency = raw.required("currency")
            account = raw.get("account").replace(" ", "").upper()
            reference = raw.get("reference")
            credit = StatementCredit(
                booked_on=booked_on,
                amount=_money(amount, currency, "currency"),
                bank_reference=reference,
                remittance=raw.get("remittance"),
                debtor_name=raw.get("name"),
                debtor_account=raw.get("iban").replace(" ", "").upper(),
                account=account,
            )
            if reference:
                key = f"csv:{account}:{reference}"
            else:
                content = _hash_key(
                    account,
                    booked_on.isoformat(),
                    str(credit.amount.amount),
                    credit.amount.currency,
                    credit.remittance,
                    credit.debtor_name,
                    credit.debtor_account,
                )
                n = seen.get(content, 0)
                seen[content] = n + 1
                key = f"{content}:{n}"
            rows.append(BankCreditRow(raw.line, key, credit))
        except Q2CError as e:
            problems.append(RowProblem(raw.line, e.field or "row", e.rule))
    return rows, problems, ignored


class BankStatementImporter(FileImporter):
    """Imports camt.053 or CSV bank statements into a QuoteToCash application.

    ``accounts`` maps debtor IBANs to customer ids, for payers whose name is not the customer's.
    """

    kind = ImportKind.BANK_STATEMENT

    def __init__(
        self,
        app: QuoteToCash,
        *,
        accounts: Mapping[str, UUID] | None = None,
        today: date | None = None,
    ) -> None:
        self.app = app
        self.accounts = dict(accounts or {})
        self.today = today

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        """A statement is camt.053 XML by its content, CSV otherwise."""
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            rows, problems, ignored = read_camt053(data)
        else:
            rows, problems, ignored = read_bank_csv(decode_text(data))
        return self.app.import_bank_credits(
            source,
            rows,
            imported_on=self.imported_on,
            actor=actor,
            accounts=self.accounts,
            ignored=ignored,
            problems=problems,
        )
