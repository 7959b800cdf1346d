"""Money: a Decimal amount with its ISO 4217 currency.

Amounts are exact until they are rounded, and they are rounded only at stated points (line
amounts, tax per category, allocations), half up to the currency's minor unit. When a whole is
split into parts, the rounding remainder goes to a deterministic part so the parts add back up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import attrs

from q2c_core.domain.errors import CurrencyMismatch, InvalidValue

# ISO 4217 active codes with a minor unit other than 2.
_MINOR_UNITS_EXCEPTIONS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "CLF": 4,
    "UYW": 4,
}
# ISO 4217 active codes with two decimals.
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VES "
    "VED WST XCD XCG YER ZAR ZMW ZWG "
).split()

MINOR_UNITS: dict[str, int] = {code: 2 for code in _TWO_DECIMALS} | _MINOR_UNITS_EXCEPTIONS


def minor_units(currency: str) -> int:
    """Number of decimals of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    try:
        return MINOR_UNITS[currency]
    except (KeyError, TypeError):  # (TypeError: a list or a dict, which no code is)
        raise InvalidValue(
            "must be an ISO 4217 currency code", field="currency", value=currency
        ) from None


_QUANTA: dict[str, Decimal] = {}


def currency_quantum(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal exponent (0.01 for EUR), remembered per code."""
    found = _QUANTA.get(currency)
    if found is None:
        found = _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
    return found


# Amounts and quantities stay below 10**15: far beyond anything billed, and small enough that
# rounding to a minor unit always fits Decimal's 28 digits.
MAX_MAGNITUDE = 15


def to_decimal(value: Any, field: str = "amount") -> Decimal:
    """Turn str/int/Decimal into a finite Decimal; refuse float, bool, NaN and infinity."""
    if type(value) is Decimal:  # the usual case, checked first: no subclass, no float
        result = value
    elif isinstance(value, bool | float):
        raise InvalidValue("must be a Decimal, int or str, never a float", field=field, value=value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise InvalidValue("is not a number", field=field, value=value) from None
    else:
        raise InvalidValue(
            f"must be a Decimal, int or str, not {type(value).__name__}", field=field, value=value
        )
    if not result.is_finite():
        raise InvalidValue("must be finite (no NaN, no infinity)", field=field, value=value)
    if result and result.adjusted() >= MAX_MAGNITUDE:
        raise InvalidValue(
            f"is out of range (magnitude 1e{result.adjusted()})", field=field, value=value
        )
    return result


def _check_currency(_: Any, __: Any, value: str) -> None:
    minor_units(value)


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency. Different currencies never mix."""

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(validator=_check_currency)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a str, int or Decimal amount (never a float)."""
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in the given currency."""
        return cls(Decimal(0), currency)

    @property
    def quantum(self) -> Decimal:
        """The currency's minor unit as a Decimal exponent (0.01 for EUR)."""
        return currency_quantum(self.currency)

    def rounded(self) -> Money:
        """Round half up to the currency's minor unit (a zero is never shown as -0.00)."""
        amount = self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP)
        return Money(amount if amount else abs(amount), self.currency)

    def with_minor_digits(self) -> Money:
        """The same amount written with the currency's minor digits at least: ``0`` EUR as
        ``0.00``, ``12.5`` as ``12.50`` (``0.125`` stays ``0.125``: nothing is rounded)."""
        return Money(self.amount + self.quantum * 0, self.currency)

    def is_rounded(self) -> bool:
        """Whether the amount is already a whole number of minor units."""
        return self.amount == self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise InvalidValue(
                f"cannot combine Money with {type(other).__name__}", field="amount", value=other
            )
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"{self.currency} and {other.currency} cannot be combined",
                field="currency",
                value=other.currency,
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    def is_positive(self) -> bool:
        """True when the amount is above zero."""
        return self.amount > 0

    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    def min(self, other: Money) -> Money:
        """The smaller of two amounts of the same currency."""
        return self if self <= other else other

    def __str__(self) -> str:
        return f"{self.rounded().amount:,.{minor_units(self.currency)}f} {self.currency}"


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; an empty sum is zero of that currency."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def split_by_weights(whole: Money, weights: Sequence[Decimal]) -> list[Money]:
    """Split a rounded whole in proportion to weights so the rounded parts add up exactly.

    Each part is first rounded down to the minor unit; the minor units left over go one each to
    the parts with the largest fractional remainders, ties to the earliest part. This is the
    largest-remainder method, so the result is deterministic and sums to ``whole``.

    ``whole`` is Money and ``weights`` a collection (a list, a tuple, read once) of finite
    Decimals or ints, or ``InvalidValue`` naming ``whole`` or ``weights``.
    """
    if not isinstance(whole, Money):
        raise InvalidValue(f"must be Money, not {type(whole).__name__}", field="whole", value=whole)
    if weights is not None and (
        isinstance(weights, str | bytes) or not isinstance(weights, Iterable)
    ):
        # (one weight given bare, Decimal(1) for [Decimal(1)], failed with Python's own
        # "not iterable" TypeError)
        raise InvalidValue(
            f"must be a list or tuple of weights, not {type(weights).__name__}",
            field="weights",
            value=weights,
        )
    weights = list(weights or ())  # (read once: a generator's weights were read up by the checks)
    if not weights:
        raise InvalidValue("needs at least one weight", field="weights")
    for w in weights:
        # (a float, text or None failed with Python's own TypeError, NaN or infinity with
        # decimal's InvalidOperation)
        if type(w) is not Decimal and (isinstance(w, bool) or not isinstance(w, Decimal | int)):
            raise InvalidValue(
                f"must be a Decimal or an int, not {type(w).__name__}", field="weights", value=w
            )
        if isinstance(w, Decimal) and not w.is_finite():
            raise InvalidValue("must be finite (no NaN, no infinity)", field="weights", value=w)
    if any(w < 0 for w in weights):
        raise InvalidValue("must not be negative", field="weights")
    whole = whole.rounded()
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise InvalidValue("must not all be zero", field="weights")
    sign = -1 if whole.amount < 0 else 1
    magnitude = abs(whole.amount)
    quantum = whole.quantum
    exact = [magnitude * w / weight_sum for w in weights]
    floors = [e.quantize(quantum, rounding=ROUND_DOWN) for e in exact]
    left = int(((magnitude - sum(floors, Decimal(0))) / quantum).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += quantum
    return [Money(sign * f, whole.currency) for f in floors]
