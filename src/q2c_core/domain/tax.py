"""Tax per category, computed once per category on the sum of line net amounts (EN 16931 BR-CO-17).

Rounding tax per line and adding the results drifts by cents (three lines of 0.10 at 25 % give
0.09 that way, 0.08 on the category sum); q2c never does that.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money, to_decimal


class TaxCategory(enum.Enum):
    """EN 16931 VAT category codes (UNCL5305 subset)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"

    @property
    def code(self) -> str:
        """The UNCL5305 code used on e-invoices."""
        return self.value


def _rate(value: object) -> Decimal:
    rate = to_decimal(value, "tax_rate")
    if rate < 0 or rate > 100:
        raise InvalidValue("must be a percentage between 0 and 100", field="tax_rate", value=rate)
    return rate


@attrs.frozen
class TaxRate:
    """A category and its percentage rate (21 means 21 %)."""

    category: TaxCategory
    rate: Decimal = attrs.field(converter=_rate)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.category, TaxCategory):
            # (the code "Z" typed for the enum was recorded, and no invoice holding it could be
            # read back from the store: every query over its customer failed for good)
            raise InvalidValue(
                f"must be a TaxCategory (TaxCategory.STANDARD, TaxCategory.ZERO_RATED...), "
                f"not {type(self.category).__name__}",
                field="tax_rate.category",
                value=self.category,
            )
        if self.category is not TaxCategory.STANDARD and self.rate != 0:
            raise InvalidValue(
                f"category {self.category.code} must have rate 0",
                field="tax_rate",
                value=self.rate,
            )

    @classmethod
    def standard(cls, rate: Decimal | int | str) -> TaxRate:
        """The standard category at the given percentage."""
        return cls(TaxCategory.STANDARD, to_decimal(rate, "tax_rate"))

    @classmethod
    def none(cls, category: TaxCategory = TaxCategory.OUTSIDE_SCOPE) -> TaxRate:
        """A zero-rate category (exempt, reverse charge, outside scope...)."""
        return cls(category, Decimal(0))


# what a customer registered without a tax rate, and a contract signed without one, is billed
# at: zero-rated (Z, 0 %), which an e-invoice carries. Before, it was standard at 0 %, which
# EN 16931 refuses (BR-S-05: a standard rate is above 0 %): the invoice took its gapless number
# and then no e-invoice could be made of it.
ZERO_RATED = TaxRate(TaxCategory.ZERO_RATED, Decimal(0))


def require_tax_rate_type(value: object, field: str = "tax_rate") -> TaxRate:
    """``value`` if it is a ``TaxRate``, or ``InvalidValue`` naming ``field``: the text "21" or
    the number 21 no invoice line takes (recorded, every invoice drafted at it is refused)."""
    if not isinstance(value, TaxRate):
        raise InvalidValue(
            f"must be a TaxRate (TaxRate.standard(21), TaxRate.none(TaxCategory.EXEMPT)...), "
            f"not {type(value).__name__}",
            field=field,
            value=value,
        )
    return value


def require_tax_rate(value: object, field: str = "tax_rate") -> TaxRate:
    """A tax rate a customer or a contract is billed at, or ``InvalidValue`` naming ``field``:
    a ``TaxRate`` (``require_tax_rate_type``), and a standard one above 0 % (EN 16931 BR-S-05;
    a supply taxed at 0 % is zero-rated, ``ZERO_RATED``, or exempt)."""
    rate = require_tax_rate_type(value, field)
    if rate.category is TaxCategory.STANDARD and rate.rate <= 0:
        raise InvalidValue(
            "a standard rate must be above 0 % (EN 16931 BR-S-05): a supply taxed at 0 % is "
            "zero-rated (ZERO_RATED, TaxRate.none(TaxCategory.ZERO_RATED)) or exempt (E)",
            field=field,
            value=rate,
        )
    return rate


# the categories whose e-invoice names the buyer's VAT id (EN 16931 BR-AE-02, BR-IC-02)
NEEDS_BUYER_VAT_ID = (TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_COMMUNITY)


def e_invoice_tax_problems(
    lines: Iterable[tuple[str, TaxRate]], buyer_vat_id: str | None
) -> list[str]:
    """The EN 16931 tax rules an invoice's lines (line id, tax rate) and its buyer's VAT id
    break, in words; empty when none: no line outside the scope of VAT (O) beside another
    category (BR-O-11), and reverse charge (AE) or an intra-community supply (K) only to a
    buyer with a VAT id (BR-AE-02, BR-IC-02). Checked before an invoice takes its gapless
    number: after it, no e-invoice could ever be made of it. (A standard-rated line at 0 %,
    BR-S-05, is still approved: the e-invoice refuses it; see README.)"""
    problems: list[str] = []
    categories: list[TaxCategory] = []
    for _, rate in lines:
        if rate.category not in categories:
            categories.append(rate.category)
    if TaxCategory.OUTSIDE_SCOPE in categories and len(categories) > 1:
        others = ", ".join(c.value for c in categories if c is not TaxCategory.OUTSIDE_SCOPE)
        problems.append(
            f"a line outside the scope of VAT (O) is beside other categories ({others}); an "
            "invoice outside the scope carries no other (BR-O-11): invoice them apart"
        )
    needing = [c.value for c in categories if c in NEEDS_BUYER_VAT_ID]
    if needing and not (buyer_vat_id or "").strip():
        problems.append(
            f"reverse charge or an intra-community supply ({', '.join(needing)}) names the "
            "buyer's VAT id (BR-AE-02, BR-IC-02), and the customer has none: correct the "
            "customer's details first"
        )
    return problems


@attrs.frozen
class TaxSubtotal:
    """Tax of one category: taxable base and the tax rounded once."""

    tax_rate: TaxRate
    taxable: Money
    tax: Money


def tax_subtotals(lines: Iterable[tuple[TaxRate, Money]], currency: str) -> list[TaxSubtotal]:
    """Group rounded line nets by category and rate; round each category's tax once.

    The order is stable: categories appear in the order their first line appears.
    """
    bases: dict[TaxRate, Money] = {}
    for tax_rate, net in lines:
        bases[tax_rate] = bases.get(tax_rate, Money.zero(currency)) + net
    return [
        TaxSubtotal(rate, base, (base * (rate.rate / Decimal(100))).rounded())
        for rate, base in bases.items()
    ]
