"""Small values the aggregates share: hours, periods, identifiers."""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, SafeUUID, uuid5

import attrs

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import to_decimal

Q2C_NAMESPACE = uuid5(NAMESPACE_URL, "https://q2c.invalid/ids")


_new_object = object.__new__
_set_attribute = object.__setattr__
_last_id_time = [0, 0]  # (unix milliseconds, counter) of the last id made in this process


def new_id() -> UUID:
    """A fresh aggregate id: random, and ordered by creation time (UUID version 7, RFC 9562).

    Ids made one after another sort one after another (a 12-bit counter orders those of one
    millisecond), so the events of 100,000 invoices drafted by a billing run go to the end of
    the event store's index rather than to random places in it: a third less write work. The
    62 random bits keep ids from two processes or threads apart.
    """
    now = time.time_ns() // 1_000_000
    last, counter = _last_id_time
    if now > last:
        counter = 0
    else:  # the same millisecond (or the clock stepped back): count on from the last id
        now, counter = last, counter + 1
        if counter > 0xFFF:
            now, counter = now + 1, 0
    _last_id_time[0], _last_id_time[1] = now, counter
    rand = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    value = (now << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    # what UUID(int=value) builds, without its Python-level argument checks
    uid = _new_object(UUID)
    _set_attribute(uid, "int", value)
    _set_attribute(uid, "is_safe", SafeUUID.unknown)
    return uid


class TimeOrderedIds:
    """Aggregates mixing this in get ``new_id()`` ids (eventsourcing asks ``create_id``)."""

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        """A fresh time-ordered id; the aggregate's arguments do not matter."""
        return new_id()


def named_id(kind: str, key: str) -> UUID:
    """A stable id derived from a business key, so the same key always names the same aggregate.

    ``uuid5`` of the text, but a key holding a lone surrogate (bytes no UTF-8 reads, as Python
    hands over a file name or an argument) names an id too, its surrogates written as UTF-8
    would: looking it up finds nothing, and the command refuses the text as it refuses any
    (``refuse_control_characters``, ``InvalidValue`` naming its field), where ``uuid5`` raised
    a bare ``UnicodeEncodeError`` first. Every other key names the id ``uuid5`` gives it."""
    name = f"{kind}:{key}".encode("utf-8", "surrogatepass")
    return UUID(bytes=hashlib.sha1(Q2C_NAMESPACE.bytes + name).digest()[:16], version=5)


def hours(value: Decimal | int | str, field: str = "hours") -> Decimal:
    """Hours (or any quantity) as an exact Decimal; floats are refused."""
    return to_decimal(value, field)


def same_fact(held: object, given: object, optional: bool = False) -> bool:
    """Whether a fact a command gives again is the one an aggregate holds (a command sent
    again after a lost response, which records nothing): equal, of the same type (a datetime
    is no date, 1000 no Money), and held at all (None is no step), unless ``optional`` (a PO's
    shortfall reason, a due day: None given for None held is the same)."""
    if held is None:
        return optional and given is None
    return type(held) is type(given) and held == given


def require_day(value: Any, field: str) -> date:
    """A business day given to a command or query, or ``InvalidValue`` naming the field: text,
    None or a datetime (a time of day) would be compared with days and fail, or be wrong."""
    if type(value) is date or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    given = "a date and time" if isinstance(value, datetime) else type(value).__name__
    raise InvalidValue(f"must be a date (a business day), not {given}", field=field, value=value)


# The characters a name is read without: invisible, so two spellings differing only by them look
# alike on every screen. Every Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt,
# unchanged from Unicode 14 to 16: https://www.unicode.org/Public/16.0.0/ucd/DerivedCoreProperties.txt),
# which takes in the combining grapheme joiner, the Hangul fillers, Mongolian and other variation
# selectors and the tag characters, besides the format characters (general category Cf, in
# Unicode 15's UnicodeData.txt) person_key always dropped: the Arabic number signs and the
# interlinear annotation marks are Cf but not default ignorable. A table here, not
# ``unicodedata`` asked at run time, so a Python with a newer Unicode reads names as this one.
# (NFKC makes none of them out of a character not in the table: checked by the tests.)
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x0600, 0x0605),  # Arabic number signs (Cf)
    (0x061C, 0x061C),  # Arabic letter mark
    (0x06DD, 0x06DD),  # Arabic end of ayah (Cf)
    (0x070F, 0x070F),  # Syriac abbreviation mark (Cf)
    (0x0890, 0x0891),  # Arabic pound and piastre marks above (Cf)
    (0x08E2, 0x08E2),  # Arabic disputed end of ayah (Cf)
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space, joiners, direction marks
    (0x202A, 0x202E),  # direction embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors 1-16
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFFB),  # reserved, interlinear annotation marks (Cf)
    (0x110BD, 0x110BD),  # Kaithi number sign (Cf)
    (0x110CD, 0x110CD),  # Kaithi number sign above (Cf)
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls (Cf)
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol beam and phrase controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors 17-256, reserved
)
_INVISIBLE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _INVISIBLE_RANGES) + "]")
# Also dropped: the C1 control characters (U+0080 to U+009F, but the next line U+0085, a line
# break to Python), which no screen shows (text decoded as Latin-1 carries them; no new event
# holds one: ``event_facts`` refuses them). Not in the table, which is Unicode's own property.
_UNSEEN_CONTROLS = "\x80-\x84\x86-\x9f"
_DROPPED = re.compile(_INVISIBLE.pattern[:-1] + _UNSEEN_CONTROLS + "]")
# Characters a name shows as an empty space, though Python does not count them as one: the
# braille pattern blank U+2800 and the musical null notehead U+1D159 (other blanks, such as the
# ideographic space U+3000, are spaces already; the Hangul fillers are in the table). Read as a
# space, so ``billy`` with one after it is billy, and a name of them only is no one.
_BLANK = re.compile("[\u2800\U0001d159]")


def name_order(name: str) -> tuple[str, str]:
    """How lists order names: alphabetically as people read them, capitals aside ("acme corp"
    before "Zeta GmbH", where character codes put every capital first), then as typed, so
    the order is the same on every run."""
    return (name.casefold(), name)


def person_key(name: str) -> str:
    """Who a person's name means, however it was typed: invisible characters dropped (a
    zero-width space pasted with it, a combining grapheme joiner, a Hangul filler, a variation
    selector: ``_INVISIBLE_RANGES``; a C1 control character), characters that show as an empty
    space read as one (the braille blank U+2800), compatibility forms made plain (NFKC: full-width
    ``ｂｅａ`` is ``bea``), runs of spaces made one and the ends trimmed, and case folded
    (``Bea`` is ``bea``). Accents and other scripts stay what they are: ``Béa`` is another
    name. A name of invisible characters only is ``""``: no one (the actor of an event, an
    approver, a worker must be someone).

    The invisible characters go first, so one between a letter and its accent does not keep
    them apart (``e``, a zero-width space and a combining acute read as ``é``). Names are read
    on every replay: plain ASCII, the usual name, takes the short way (nothing to drop or
    normalise there; its case folding is ``lower``)."""
    if name.isascii():
        return " ".join(name.split()).lower()
    plain = unicodedata.normalize("NFKC", _DROPPED.sub("", _BLANK.sub(" ", name)))
    return " ".join(plain.split()).casefold()


def items_given(value: object, field: str, what: str) -> tuple[Any, ...]:
    """A collection the caller gives (a list, a tuple, read once) as a tuple, or
    ``InvalidValue`` naming ``field``: one text, which would be read letter by letter
    (``roles="cfo"`` the roles c, f and o), or what is no collection (None, a number: Python's
    own "not iterable" TypeError). ``what`` names the items (``"entry ids"``)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        one = f"[{value!r}] for one" if isinstance(value, str) else "one item or none"
        raise InvalidValue(
            f"must be a list or tuple of {what} ({one}), not {type(value).__name__}",
            field=field,
            value=value,
        )
    return tuple(value)


def require_whole(value: Any, field: str, at_least: int = 0) -> int:
    """A count given to a command or query (days, months, workers), or ``InvalidValue``
    naming the field: a fraction, text or a bool is no count."""
    if type(value) is int and value >= at_least:
        return value
    raise InvalidValue(f"must be a whole number, at least {at_least}", field=field, value=value)


def _to_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidValue("is not an ISO date", field="date", value=value) from None
    raise InvalidValue("must be a date", field="date", value=value)


@attrs.frozen
class Period:
    """A half-open date range [start, end): the end day is not included."""

    start: date = attrs.field(converter=_to_date)
    end: date = attrs.field(converter=_to_date)

    def __attrs_post_init__(self) -> None:
        try:
            backwards = self.end < self.start
        except TypeError:  # a date and a datetime: no order between them
            raise InvalidValue(
                "start and end must both be dates", field="period", value=(self.start, self.end)
            ) from None
        if backwards:
            raise InvalidValue(
                "end must not be before start", field="period", value=(self.start, self.end)
            )

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share at least one day."""
        return self.start < other.end and other.start < self.end

    def intersection(self, other: Period) -> Period | None:
        """The days both periods share, or None."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Period(start, end) if start < end else None

    def each_day(self) -> Iterator[date]:
        """Every day in the period, in order."""
        day = self.start
        while day < self.end:
            yield day
            day += timedelta(days=1)

    def __str__(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()}..{last.isoformat()}"
