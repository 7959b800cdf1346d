"""Every new event's facts are checked against the types its command declares, before the event
exists: an event is forever, so a date given as text, a missing day or an anonymous actor
recorded once would break every replay and report after it. Free text is checked for card
numbers, which are never stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import UnionType
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin
from uuid import UUID

import attrs

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period, person_key

# the declared types checked (as the annotations spell them), and what a value must be
_KINDS: dict[str, tuple[type, ...]] = {
    "date": (date,),
    "UUID": (UUID,),
    "Money": (Money,),
    "Decimal": (Decimal,),
    "str": (str,),
    "bool": (bool,),  # (not 0 or 1, nor text: "no" is true, and billable work would be billed)
}
_WORDS = {
    date: "a date",
    UUID: "a UUID",
    Money: "Money",
    Decimal: "a Decimal",
    str: "text",
    bool: "True or False",
}

# free text a person types, where a card number could be pasted (in events and their values)
FREE_TEXT = frozenset(
    {"description", "notes", "note", "address", "city", "postal_code", "reason", "title", "name"}
)

T = TypeVar("T")

# per event or value class: (field, accepted types, None allowed, free text)
_Check = tuple[str, tuple[type, ...], bool, bool]
_checks: dict[type, tuple[_Check, ...]] = {}
_SKIPPED = ("originator_id", "originator_version", "timestamp")


def _checks_of(klass: type) -> tuple[_Check, ...]:
    """What to check of an event class's facts, or of an attrs value's fields (from the types
    they declare; other types are values whose own fields are checked in turn)."""
    found = _checks.get(klass)
    if found is None:
        annotations: dict[str, Any] = {}
        if attrs.has(klass):
            annotations = {f.name: f.type for f in attrs.fields(klass)}
        else:
            for base in reversed(klass.__mro__):
                annotations.update(getattr(base, "__annotations__", {}))
        checks = []
        for field, declared in annotations.items():
            if field in _SKIPPED:
                continue
            parts = _spelled(declared)
            optional = "None" in parts
            parts = [p for p in parts if p != "None"]
            if len(parts) == 1 and parts[0] in _KINDS:
                checks.append((field, _KINDS[parts[0]], optional, field in FREE_TEXT))
            else:
                checks.append((field, (), True, False))  # (a value: its fields are checked)
        found = _checks[klass] = tuple(checks)
    return found


def _spelled(declared: Any) -> list[str]:
    """A declared type's alternatives by name: "date | None" -> ["date", "None"], whether the
    annotation is still text or already resolved to types (attrs and cattrs resolve them)."""
    if isinstance(declared, str):
        return [part.strip() for part in declared.split("|")]
    if declared is None or declared is type(None):
        return ["None"]
    args = get_args(declared)
    if args and get_origin(declared) in (Union, UnionType):
        return [name for arg in args for name in _spelled(arg)]
    return [getattr(declared, "__name__", repr(declared))]


# characters no document can show (XML 1.0 forbids them; a PDF drops them): a vertical tab
# pasted from a spreadsheet. Tabs and line breaks are text. The C1 controls (U+0080 to U+009F,
# which XML 1.0 discourages and no screen shows: text decoded as Latin-1 carries them) too, so
# ``billy`` and ``billy`` with one of them pasted in are never two people on an invoice.
# A lone surrogate (U+D800 to U+DFFF: bytes no UTF-8 reads, as Python hands a file name or an
# argument over) is no character at all, and no store can write it: a command failed at its
# save with a bare UnicodeEncodeError.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def refuse_control_characters(field: str, text: str, aggregate_id: UUID | None = None) -> None:
    """Refuse (``InvalidValue`` naming the field) free text holding a control character, so
    every invoice and e-invoice can show what was recorded."""
    found = _CONTROL.search(text)
    if found is not None:
        lone = "\ud800" <= found.group() <= "\udfff"  # (shown escaped: no UTF-8 prints it)
        raise InvalidValue(
            "must not hold control characters "
            f"({'a lone surrogate, no UTF-8' if lone else repr(found.group())} "
            f"at {found.start()})",
            field=field,
            value=ascii(text) if lone else text,
            aggregate_id=aggregate_id,
        )


def refuse_unreadable_reason(
    reason: str, field: str, aggregate_id: UUID | None, *, blank_ok: bool = False
) -> None:
    """Refuse (``InvalidValue`` naming ``field``) a reason no one can read: holding a control
    character, or, unless blank (``blank_ok``: none given), only spaces and invisible
    characters (``person_key`` leaves nothing of it: a zero-width space, a word joiner)."""
    refuse_control_characters(field, reason, aggregate_id)
    if blank_ok and not reason.strip():
        return
    if not person_key(reason):
        raise InvalidValue(
            "must say why, in visible text (not only spaces or invisible characters)",
            field=field,
            aggregate_id=aggregate_id,
            value=reason,
        )


def require_kind(
    value: Any, kind: type, field: str, aggregate_id: UUID | None, what: str = ""
) -> None:
    """``InvalidValue`` naming ``field`` unless ``value`` is a ``kind`` (a raw row, a dict, is
    no time entry: no check of it could read its fields); ``what`` names the kind in words
    (``"text"``), else its class does."""
    if not isinstance(value, kind):
        raise InvalidValue(
            f"must be {what or 'a ' + kind.__name__}, not {type(value).__name__}",
            field=field,
            aggregate_id=aggregate_id,
            value=value,
        )


def require_reason(reason: object, field: str, aggregate_id: UUID | None) -> str:
    """A reason a command is given: text (one that is no text, None or a ticket number, is
    refused as such, ``InvalidValue`` naming ``field``, not failed on) that someone can read
    (``refuse_unreadable_reason``)."""
    require_kind(reason, str, field, aggregate_id, "text")
    assert isinstance(reason, str)
    refuse_unreadable_reason(reason, field, aggregate_id)
    return reason


def check_facts(
    event_class: type,
    facts: dict[str, Any],
    aggregate_id: UUID | None = None,
    not_scanned: frozenset[str] = frozenset(),
) -> None:
    """Refuse (``InvalidValue`` naming the field) a fact of the wrong type (a Decimal fact takes
    no int: commands convert first), None where a fact is required, a datetime where a business
    day is meant, a blank actor (``person_key`` leaves nothing of it), a card number in free
    text, or a control character in any text
    (``not_scanned``: text q2c writes itself); in the event's facts and in the values of
    ``checked_value`` classes they hold (a time entry, an expense, a PO), also in lists of them.
    """
    for field, kinds, optional, free in _checks_of(event_class):
        if field in facts:
            value = facts[field]
            if kinds:
                typed = field not in not_scanned
                _check_one(field, value, kinds, optional, free and typed, aggregate_id, typed)
            elif value is not None:
                _check_value(value, field, aggregate_id)


def _check_one(
    name: str,
    value: Any,
    kinds: tuple[type, ...],
    optional: bool,
    free: bool,
    aggregate_id: UUID | None,
    typed: bool = True,
) -> None:
    if value is None:
        if optional:
            return
        raise InvalidValue(
            f"must be {_WORDS[kinds[0]]}, not None",
            field=name,
            value=value,
            aggregate_id=aggregate_id,
        )
    if not isinstance(value, kinds) or (kinds[0] is date and isinstance(value, datetime)):
        what = "a date (a business day, not a datetime)" if kinds[0] is date else None
        raise InvalidValue(
            f"must be {what or _WORDS[kinds[0]]}, not {type(value).__name__}",
            field=name,
            value=value,
            aggregate_id=aggregate_id,
        )
    if kinds[0] is str:
        text = str(value)
        if name == "actor" and not person_key(text):
            # (blank as people are read: spaces, or only invisible characters, a zero-width
            # space or a Hangul filler, which no one could tell from another "nobody")
            raise InvalidValue(
                "must name who did it (not blank, nor invisible characters only)",
                field=name,
                value=text,
                aggregate_id=aggregate_id,
            )
        if free:
            refuse_card_numbers(name, text, aggregate_id)
        if typed:  # (any text: a worker's name or a contract number ends up on an invoice)
            refuse_control_characters(name, text, aggregate_id)


# values whose fields are checked like an event's facts: those people fill in by hand
_CHECKED_VALUES: dict[type, tuple[_Check, ...]] = {}


def checked_value(klass: type[T]) -> type[T]:
    """Class decorator (over ``attrs.frozen``): events holding this value check its fields
    too (dates, text, free text), as they check their own facts."""
    _CHECKED_VALUES[klass] = _checks_of(klass)
    return klass


def _check_value(value: Any, field: str, aggregate_id: UUID | None) -> None:
    kind = type(value)
    if kind is list or kind is tuple:
        if value and type(value[0]) in _CHECKED_VALUES:
            for item in value:
                _check_value(item, field, aggregate_id)
        return
    checks = _CHECKED_VALUES.get(kind)
    for name, kinds, optional, free in checks or ():
        inner = getattr(value, name)
        if kinds:
            _check_one(f"{field}.{name}", inner, kinds, optional, free, aggregate_id)
        elif inner is not None:
            # a checked value inside a checked value (a sub-contract's price points)
            _check_value(inner, f"{field}.{name}", aggregate_id)


@attrs.frozen
class NotBefore:
    """A business day of a new event that may not come before a day its aggregate already
    holds (an invoice issued before it was drafted, money allocated before it arrived).

    ``fact`` and ``known`` are dotted paths into the event's facts and the aggregate's state
    (``known`` into the event's facts too when ``in_event``: a due day not before the
    authorization it comes with); a rule whose day or known day is not set does not apply."""

    fact: str
    known: str
    what: str  # the known day in words, for the refusal
    error: type[RuleViolated] = RuleViolated
    in_event: bool = False


def _path(root: Any, path: str) -> Any:
    value = root
    for i, name in enumerate(path.split(".")):
        if value is None:
            return None
        value = value.get(name) if i == 0 and isinstance(value, dict) else getattr(value, name)
    return value


class ChecksFacts:
    """Aggregates mixing this in check every new event's facts (``check_facts``) and the order
    of its business days (``DAY_ORDER``: event name -> rules) before the event is made. Events
    replayed from the store are not checked again, so a rule added later never stops a history
    recorded before it from loading."""

    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {}
    # free-text facts q2c writes itself (an invoice's note names its contract): never scanned
    # for card numbers here, as a long contract number could pass for one; the commands that
    # take such text from people scan it there
    NOT_SCANNED: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def _create(cls, event_class: type, **kwargs: Any) -> Any:
        check_facts(event_class, kwargs, None, cls.NOT_SCANNED)
        return super()._create(event_class, **kwargs)  # type: ignore[misc]

    def trigger_event(self, event_class: type, **kwargs: Any) -> None:
        """Check the facts, then let eventsourcing make and apply the event."""
        aggregate_id = getattr(self, "id", None)
        check_facts(event_class, kwargs, aggregate_id, self.NOT_SCANNED)
        for rule in self.DAY_ORDER.get(event_class.__name__, ()):
            day, known = (
                _path(kwargs, rule.fact),
                _path(kwargs if rule.in_event else self, rule.known),
            )
            if day is not None and known is not None and day < known:
                raise rule.error(
                    f"{day} is before {rule.what} ({known})",
                    field=rule.fact,
                    aggregate_id=aggregate_id,
                    value=day,
                )
        super().trigger_event(event_class, **kwargs)  # type: ignore[misc]


# a period in an event (a contract's term, an allowance's period, a billed period) holds
# business days: a datetime in one would break every comparison with a day once recorded
checked_value(Period)
