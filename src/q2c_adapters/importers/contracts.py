"""Maintenance contracts and their sub-contracts from a CRM export (CSV).

One row per sub-contract, the master contract's columns repeated on each (a row with no
``sub_id`` carries only the contract, and must leave the sub-contract's columns empty: a
description, kind, date or price without its ``sub_id`` refuses the file). Columns
(case-insensitive; aliases in brackets):

- ``contract`` [contract_number, number], ``customer`` [customer_name, account, customer_id]
  (a q2c customer id or its name, case and spaces aside), optional ``currency`` (default:
  the customer's);
- ``term_start`` [start, start_date], ``term_end`` [end, end_date]: the **last day covered**
  (inclusive, as CRMs write it); ``frequency`` (monthly, quarterly, annual), ``signed_on``
  [signed, signature_date] (default: term start; left empty, not compared with a recorded
  contract's). The term of a recorded contract may be the one signed (to its current end too)
  or any term a renewal recorded since (the current one, as a CRM shows it);
- optional ``timing`` (in_advance, in_arrears), ``alignment`` (anniversary, calendar),
  ``day_count`` (actual, 30/360: the 30E/360 Eurobond basis), ``auto_renew`` [evergreen]
  (yes/no), ``renewal_uplift`` [uplift_percent] (percent added at each automatic renewal),
  ``activated_on`` [active_from] or ``status`` = active (activated on the term start; an empty
  status leaves the contract signed, any other status is refused);
- sub-contract: ``sub_id`` [item_id, line_id], ``description`` [item, product], ``kind`` [type]
  (product, licence, site, service), ``effective_from`` [item_start] (default: term start, for
  a contract new to q2c only: a sub-contract new to a recorded contract without it is refused),
  ``effective_to`` [item_end] (last day covered, inclusive; empty: open-ended),
  ``annual_price`` [price, yearly_price] (of a recorded sub-contract: the price in force on the
  import's day, as ``reprice_sub_contract`` and renewals with uplift set it; another refuses
  the file naming the price it must carry; of a new one too: one starting before a renewal
  with uplift due by the import's day is refused, its earlier price not being given). A
  ``sub_id`` is written as recorded: one differing from
  its contract's ``ERP-1`` only by case, spaces or punctuation (``erp 1``), or written in
  full-width characters, refuses the file, as a contract number written so does (a second
  sub-contract would bill the same service twice).
  A ``sub_id`` is its contract's own; one live on another of the customer's contracts on the
  row's days moved here on its ``effective_from`` when the file lists that contract without it
  (recorded as ``reassign_sub_contract`` records it); listed there too, it is another site; a
  file not listing that contract records it and names it in the report's ``needs_attention``.
  The file is read as each contract it gives sub-contract rows for as its full list: a
  recorded open-ended sub-contract still billed that the file no longer lists under its
  contract is named in ``needs_attention`` (not ended: the file gives no end day).

The file's decimal mark is read from its prices: in a file that writes ``1200,00`` a ``.`` only
separates thousands; a slash date is read in the order the file's dates show (``03/05/2024`` alone,
3 May or 5 March, is refused), and a date after 2999 (``9999-12-31``) is refused. A column given
under two headers (``Product`` and ``Description``) refuses the file, naming both: q2c never picks
one silently.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from q2c_adapters.importers._files import (
    CellError,
    FileImporter,
    check_date_order,
    check_today,
    decimal_mark,
    parse_bool,
    parse_date,
    parse_decimal,
    read_csv,
)
from q2c_adapters.importers._files import date_order as file_date_order
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    SubContractKind,
)
from q2c_core.domain.errors import Q2CError
from q2c_core.domain.import_batch import ImportKind, ImportReport, ImportSource, RowProblem
from q2c_core.domain.import_rows import ContractRow, SubContractRow
from q2c_core.domain.money import Money

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash

T = TypeVar("T")

ALIASES = {
    "contract": ("contract_number", "number", "contract_no"),
    "customer": ("customer_name", "account", "customer_id", "account_name"),
    "currency": ("ccy",),
    "term_start": ("start", "start_date", "contract_start"),
    "term_end": ("end", "end_date", "contract_end"),
    "frequency": ("billing_frequency", "billing"),
    "signed_on": ("signed", "signature_date", "signed_date"),
    "timing": ("billing_timing",),
    "alignment": ("period_alignment",),
    "day_count": ("daycount", "proration"),
    "auto_renew": ("autorenew", "auto_renewal", "evergreen"),
    "renewal_uplift": ("uplift", "uplift_percent", "renewal_uplift_percent"),
    "activated_on": ("active_from", "activation_date"),
    "status": ("contract_status",),
    "sub_id": ("item_id", "line_id", "sub_contract_id", "sub_contract"),
    "description": ("item", "product", "item_description"),
    "kind": ("type", "item_type"),
    "effective_from": ("item_start", "item_from"),
    "effective_to": ("item_end", "item_to"),
    "annual_price": ("price", "yearly_price", "annual_fee"),
}
REQUIRED = ("contract", "customer", "term_start", "term_end", "frequency")

_FREQUENCY = {
    "monthly": BillingFrequency.MONTHLY,
    "month": BillingFrequency.MONTHLY,
    "1": BillingFrequency.MONTHLY,
    "quarterly": BillingFrequency.QUARTERLY,
    "quarter": BillingFrequency.QUARTERLY,
    "3": BillingFrequency.QUARTERLY,
    "annual": BillingFrequency.ANNUAL,
    "annually": BillingFrequency.ANNUAL,
    "yearly": BillingFrequency.ANNUAL,
    "12": BillingFrequency.ANNUAL,
}
_TIMING = {
    "in_advance": BillingTiming.IN_ADVANCE,
    "advance": BillingTiming.IN_ADVANCE,
    "in_arrears": BillingTiming.IN_ARREARS,
    "arrears": BillingTiming.IN_ARREARS,
}
_ALIGNMENT = {"anniversary": PeriodAlignment.ANNIVERSARY, "calendar": PeriodAlignment.CALENDAR}
_DAY_COUNT = {
    "actual": DayCount.ACTUAL,
    "30/360": DayCount.THIRTY_360,
    "30_360": DayCount.THIRTY_360,
}
_KIND = {
    "product": SubContractKind.PRODUCT,
    "licence": SubContractKind.LICENCE,
    "license": SubContractKind.LICENCE,
    "site": SubContractKind.SITE,
    "service": SubContractKind.SERVICE,
}


NUMBER_COLUMNS = ("annual_price", "renewal_uplift")
DATE_COLUMNS = (
    "term_start",
    "term_end",
    "signed_on",
    "activated_on",
    "effective_from",
    "effective_to",
)
ACTIVE = "active"
# the sub-contract's columns besides its id: a row giving any of them gives a sub-contract
SUB_COLUMNS = ("description", "kind", "effective_from", "effective_to", "annual_price")


def _activated_by_status(text: str, field: str) -> bool:
    """The ``status`` column: ``active`` (any case) or empty; anything else is refused."""
    status = text.strip().lower()
    if status and status != ACTIVE:
        raise CellError(
            f"must be {ACTIVE!r} or empty (use activated_on for another activation date)",
            field=field,
            value=text,
        )
    return status == ACTIVE


def _choice(table: dict[str, T], text: str, field: str, default: T | None = None) -> T:
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if not key and default is not None:
        return default
    if key not in table and key.replace("_", "/") in table:
        key = key.replace("_", "/")
    if key not in table:
        allowed = ", ".join(sorted({k for k in table if not k.isdigit()}))
        raise CellError(f"must be one of {allowed}", field=field, value=text)
    return table[key]


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def read_contracts_csv(
    text: str, *, date_order: str | None = None
) -> tuple[list[ContractRow], list[RowProblem]]:
    """Parse a CRM contract export into rows, and the problems of rows that could not be read.
    ``date_order`` (``"dmy"``, ``"mdy"``) says how slash dates are written; without it the
    file's dates (``31/05``) or its decimal comma tell (``_files.date_order``)."""
    header_problems, reader = read_csv(text, ALIASES, REQUIRED)
    if header_problems:
        return [], header_problems
    rows: list[ContractRow] = []
    problems: list[RowProblem] = []
    raws = list(reader)
    mark = decimal_mark(raw.get(c).rstrip("%").strip() for raw in raws for c in NUMBER_COLUMNS)
    order = file_date_order(
        (raw.get(c) for raw in raws for c in DATE_COLUMNS), given=date_order, mark=mark
    )

    def day(text: str, field: str) -> date:
        return parse_date(text, field, order)

    for raw in raws:
        try:
            term_start = day(raw.required("term_start"), "term_start")
            term_end = _day_after(day(raw.required("term_end"), "term_end"))
            currency = raw.get("currency").upper() or None
            activated_text = raw.get("activated_on")
            activated_on = day(activated_text, "activated_on") if activated_text else None
            if _activated_by_status(raw.get("status"), "status") and activated_on is None:
                activated_on = term_start
            sub: SubContractRow | None = None
            if not raw.get("sub_id"):
                given = [c for c in SUB_COLUMNS if raw.get(c)]
                if given:
                    # a line without its id is never signed as a contract without it
                    raise CellError(
                        "needed when the row gives a sub-contract's description, kind, "
                        f"dates or annual price (here: {', '.join(given)})",
                        field="sub_id",
                    )
            else:
                price = parse_decimal(raw.required("annual_price"), "annual_price", mark)
                end_text = raw.get("effective_to")
                from_text = raw.get("effective_from")
                sub = SubContractRow(
                    sub_id=raw.get("sub_id"),
                    description=raw.required("description"),
                    kind=_choice(_KIND, raw.get("kind"), "kind", SubContractKind.PRODUCT),
                    effective_from=(day(from_text, "effective_from") if from_text else term_start),
                    # without a currency: in the contract's, the customer's (the import's)
                    annual_price=price if currency is None else Money(price, currency),
                    effective_to=(_day_after(day(end_text, "effective_to")) if end_text else None),
                    effective_from_given=bool(from_text),
                )
            signed_text = raw.get("signed_on")
            uplift = raw.get("renewal_uplift").rstrip("%").strip()
            rows.append(
                ContractRow(
                    line=raw.line,
                    number=raw.required("contract"),
                    customer_ref=raw.required("customer"),
                    term_start=term_start,
                    term_end=term_end,
                    frequency=_choice(_FREQUENCY, raw.required("frequency"), "frequency"),
                    signed_on=day(signed_text, "signed_on") if signed_text else term_start,
                    currency=currency,
                    timing=_choice(_TIMING, raw.get("timing"), "timing", BillingTiming.IN_ADVANCE),
                    alignment=_choice(
                        _ALIGNMENT, raw.get("alignment"), "alignment", PeriodAlignment.ANNIVERSARY
                    ),
                    day_count=_choice(
                        _DAY_COUNT, raw.get("day_count"), "day_count", DayCount.ACTUAL
                    ),
                    auto_renew=parse_bool(raw.get("auto_renew"), "auto_renew", False),
                    activated_on=activated_on,
                    activated_on_given=bool(activated_text),
                    signed_on_given=bool(signed_text),
                    sub=sub,
                    renewal_uplift_percent=(
                        parse_decimal(uplift, "renewal_uplift", mark) if uplift else None
                    ),
                )
            )
        except Q2CError as e:
            problems.append(RowProblem(raw.line, e.field or "row", e.rule))
    return rows, problems


class ContractImporter(FileImporter):
    """Imports CRM contract exports into a QuoteToCash application (``Importer`` port)."""

    kind = ImportKind.CONTRACTS

    def __init__(
        self, app: QuoteToCash, *, today: date | None = None, date_order: str | None = None
    ) -> None:
        self.app = app
        self.today = check_today(today)
        self.date_order = check_date_order(date_order)

    def _record(self, source: ImportSource, data: bytes, actor: str) -> ImportReport:
        rows, problems = read_contracts_csv(self._text(source, data), date_order=self.date_order)
        return self.app.import_contracts(
            source, rows, imported_on=self.imported_on, actor=actor, problems=problems
        )
