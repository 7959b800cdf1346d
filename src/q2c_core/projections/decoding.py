"""Decoding notifications for the read side, fast.

The application's mapper rebuilds every value through cattrs and the attrs validators, which is
right when a command is about to act on it and slow for a replay of a million events that were
all validated when they were recorded. ``TrustedDecoder`` reads the same stored state with the
same transcoding names, and builds attrs values without re-validating them. Anything it does not
recognise exactly (an unknown transcoding, an attrs value whose stored fields differ from the
class's, an event class with upcasting, a cipher or compressor) goes through the application's
own transcoding, so the result is the same event.

Four things make that cheap on a long history:

* Templates. A topic's stored states come in a few exact shapes (the same keys in the same
  order, the same tags; only texts and numbers differ). The first texts of a topic teach the
  decoder a template per shape: one regular expression with a group per text or number, and a
  function compiled from the shape that builds the state's values from the groups as the
  general path does. A template is checked against the general path on the text it was
  learned from, and a text that does not fit any template (an escape in a string, a float,
  whitespace, another shape) takes the general path. Most events are read this way, without
  parsing JSON into dicts first.
* The general path parses the JSON text without an ``object_hook`` (by ``orjson`` when it is
  installed, an optional speed-up, else by the standard library's C parser) and converts the
  tagged ``{"_type_": ..., "_data_": ...}`` values innermost first, the values the
  transcoder's hook gives.
* Immutable values written as a short string (ids, amounts, dates, enum members, and q2c's
  compact ``Money``, ``Period`` and ``TaxRate``) repeat a lot: each is parsed once and kept in a
  bounded cache of two generations (so memory stays flat), and the same object is handed out
  again. They are immutable (UUID, Decimal, date, enum members, frozen attrs classes), so
  sharing them changes nothing.
* q2c's attrs values in their compact dict form are read by code compiled per class and stored
  shape (fields set without converters or validators, as the transcoding's own trusted reading
  does), through a subclass that only adds plain attribute setting, turned into the class
  itself by ``__class__`` assignment (the same layout); anything unexpected about the value
  hands it to the transcoding's ``decode_trusted``.

``decode_row`` reads the plain tuples of ``NotificationReader`` and gives the originator id's
32 hex digits with the event, so projections key their rows without formatting UUIDs.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID

import attrs
from eventsourcing.application import Application
from eventsourcing.persistence import (
    Notification,
    StoredEvent,
    find_id_convertor,
    str_to_uuid_convertor,
)
from eventsourcing.utils import resolve_topic

from q2c_core.projections.reader import RawNotification

_fast_loads: Callable[[bytes | str], Any] | None
try:  # optional: q2c_core depends only on eventsourcing, attrs and cattrs
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _fast_loads = None

_MISSING: Any = object()
_new = object.__new__
_set = object.__setattr__
_SAFE_UNKNOWN = SafeUUID.unknown

# entries per cache before it is emptied: enough for the ids and amounts of the aggregates
# whose events are near each other in the log (a few MB per cache at most)
CACHE_LIMIT = 1 << 13


def uuid_of(text: str) -> UUID:
    """``UUID(text)``, without the constructor's Python-level checks for the plain 32-digit
    form (the form eventsourcing's SQLite recorder and q2c's transcoding write)."""
    if len(text) != 32:
        return UUID(text)
    u = _new(UUID)
    _set(u, "int", int(text, 16))  # (raises ValueError for what UUID() refuses)
    _set(u, "is_safe", _SAFE_UNKNOWN)
    return u


def uuids_of(data: bytes) -> list[UUID]:
    """The UUIDs whose 16 bytes each follow one another in ``data`` (``UUID(bytes=...)``
    for each, without the constructor's Python-level checks)."""
    out = []
    from_bytes = int.from_bytes
    for at in range(0, len(data), 16):
        u = _new(UUID)
        _set(u, "int", from_bytes(data[at : at + 16]))
        _set(u, "is_safe", _SAFE_UNKNOWN)
        out.append(u)
    return out


class _Cache(dict[str, Any]):
    """Parsed values by their stored string, in two generations: when the cache is full its
    entries become the older generation (the previous one is dropped), and an entry found
    there comes back; so memory stays bounded and values in use stay."""

    __slots__ = ("older", "parse")

    def __init__(self, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self.parse = parse
        self.older: dict[str, Any] = {}

    def __missing__(self, text: str) -> Any:
        value = self.older.get(text, _MISSING) if type(text) is str else _MISSING
        if value is _MISSING:
            value = self.parse(text)
        if type(text) is str:  # (anything else is parsed, never kept)
            if len(self) >= CACHE_LIMIT:
                self.older = dict(self)
                self.clear()
            self[text] = value
        return value


def _immutable_value_types() -> tuple[type[Any], ...]:
    from q2c_core.domain.money import Money
    from q2c_core.domain.tax import TaxRate
    from q2c_core.domain.values import Period

    return (Money, Period, TaxRate)


class TrustedDecoder:
    """Turns notifications into domain events like ``app.mapper.to_domain_event``, faster."""

    def __init__(self, app: Application[Any]) -> None:
        self.mapper = app.mapper
        transcoder: Any = app.mapper.transcoder
        self.plain = app.mapper.cipher is None and app.mapper.compressor is None
        immutable = _immutable_value_types()
        builders: dict[str, Callable[[Any], Any]] = {}
        # string data -> value, cached: only for values that are immutable
        strings: dict[str, _Cache | _Passthrough] = {}
        by_type: dict[type[Any], _Cache | _Passthrough] = {}
        attrs_kinds: dict[str, tuple[type[Any], Any]] = {}
        for name, transcoding in transcoder.names.items():
            kind = getattr(transcoding, "type", None)
            cached: Callable[[str], Any] | None = None
            if name == "decimal_str":
                builders[name] = cached = Decimal
            elif name == "uuid_hex":
                builders[name] = cached = uuid_of
            elif name == "datetime_iso":
                builders[name] = datetime.fromisoformat  # (unique per event: not cached)
                strings[name] = by_type[datetime] = _Passthrough(datetime.fromisoformat)
            elif name == "date_iso":
                builders[name] = cached = date.fromisoformat
            elif isinstance(kind, type) and issubclass(kind, enum.Enum):
                builders[name] = cached = kind.__getitem__
            elif isinstance(kind, type) and attrs.has(kind):
                trusted = getattr(transcoding, "decode_trusted", None)
                builders[name] = trusted or _trusted_attrs(kind, transcoding.decode)
                if trusted is not None:
                    attrs_kinds[name] = (kind, trusted)
                    if issubclass(kind, immutable):
                        cached = trusted  # its compact string form
            else:
                builders[name] = transcoding.decode
            if cached is not None and isinstance(kind, type):
                strings[name] = by_type[kind] = _Cache(cached)
        # q2c's attrs values in their compact dict form: compiled readers with cached strings
        self.readers: dict[str, _ShapeReader] = {}
        for name, (kind, trusted) in attrs_kinds.items():
            reader = _compiled_reader(kind, trusted, by_type)
            if reader is not None:
                self.readers[name] = reader
        self.builders = builders
        self.strings = strings
        self._convert, tagged = _converter(builders, strings, self.readers)
        for reader in self.readers.values():
            reader.bind(tagged, self._convert)
        self.classes: dict[str, type[Any] | None] = {}
        self.templates: dict[str, list[_Template]] = {}
        # templated topics whose class reads stored text ids as UUIDs: (class, templates)
        self._fast: dict[str, tuple[type[Any], list[_Template]]] = {}
        self._tries: dict[str, int] = {}
        self._id_convert: dict[type[Any], bool] = {}
        self._ids: dict[str, tuple[UUID, str]] = {}
        self._ids_older: dict[str, tuple[UUID, str]] = {}

    def _class(self, topic: str) -> type[Any] | None:
        try:
            return self.classes[topic]
        except KeyError:
            cls = resolve_topic(topic)
            usable = getattr(cls, "class_version", 1) == 1
            self.classes[topic] = cls if usable else None
            return self.classes[topic]

    def decode_state(self, raw: bytes | str) -> dict[str, Any]:
        """Stored state (JSON text) to its values, as the transcoder's ``decode`` gives them."""
        state: dict[str, Any] = self._convert(_loads(raw))
        return state

    def _state(self, topic: str, raw: Any) -> dict[str, Any]:
        """A stored state's values: by one of the topic's templates when the text fits one,
        else by the general path (which learns a template from the first few texts)."""
        templates = self.templates.get(topic)
        if templates is not None:
            kind = type(raw)
            text = raw if kind is str else None
            if kind is bytes:
                try:
                    text = raw.decode()
                except UnicodeDecodeError:
                    text = None
            if text is not None:
                for template in templates:
                    found = template.match(text)
                    if found is not None:
                        state: dict[str, Any] = template.build(found.groups())
                        return state
        tries = self._tries.get(topic, 0)
        if tries < _Templates.MAX_TRIES and (templates is None or len(templates) < _Templates.MAX):
            self._tries[topic] = tries + 1
            learned = self._learn(raw)
            if learned is not None:
                self.templates.setdefault(topic, []).append(learned)
                cls = self._class(topic)
                if cls is not None and self._converts_text_ids(cls):
                    self._fast[topic] = (cls, self.templates[topic])
        state = self._convert(_loads(raw))
        return state

    def _learn(self, raw: Any) -> _Template | None:
        """A template of this stored text's shape, checked on the text itself against the
        general path (None when the shape has something templates do not read)."""
        if isinstance(raw, bytes):
            try:
                text = raw.decode()
            except UnicodeDecodeError:
                return None
        elif isinstance(raw, str):
            text = raw
        else:
            return None
        try:
            template = _Templates(self).write(_loads(raw))
        except _NoTemplate:
            return None
        found = template.match(text)
        if found is None:
            return None
        try:
            built = template.build(found.groups())
        except Exception:
            return None
        if not _same_values(built, self._convert(_loads(raw))):
            return None  # (never expected: the general path is the reference)
        return template

    def decode(self, n: Notification | StoredEvent) -> Any:
        """The domain event of a stored notification."""
        cls = self._class(n.topic) if self.plain else None
        if cls is None:
            return self.mapper.to_domain_event(n)
        state = self._state(n.topic, n.state)
        if "class_version" in state:
            return self.mapper.to_domain_event(n)
        state["originator_id"] = self._originator(cls, n.originator_id)[0]
        state["originator_version"] = n.originator_version
        event = _new(cls)
        _set(event, "__dict__", state)
        return event

    def decode_row(self, row: RawNotification, fallback: Callable[[RawNotification], Any]) -> Any:
        """The domain event of a ``NotificationReader`` row, and its originator id as row keys
        write it (32 hex digits for a UUID). ``fallback`` gives the library's Notification of
        the row, for what only the mapper reads."""
        topic = row[3]
        raw = row[4]
        fast = self._fast.get(topic)
        if fast is not None and type(raw) is bytes and type(row[1]) is str:
            # (the common case, inline: a templated topic, a stored text id to make a UUID of)
            try:
                text = raw.decode()
            except UnicodeDecodeError:
                text = ""
            for template in fast[1]:
                found = template.match(text)
                if found is not None:
                    state = template.build(found.groups())
                    ids = self._ids
                    pair = ids.get(row[1])
                    if pair is None:
                        pair = self._originator(fast[0], row[1])
                    state["originator_id"] = pair[0]
                    state["originator_version"] = row[2]
                    event = _new(fast[0])
                    _set(event, "__dict__", state)
                    return event, pair[1]
        cls = self._class(topic) if self.plain else None
        if cls is not None:
            state = self._state(topic, raw)
            if "class_version" not in state:
                oid, key = self._originator(cls, row[1])
                state["originator_id"] = oid
                state["originator_version"] = row[2]
                event = _new(cls)
                _set(event, "__dict__", state)
                return event, key
        event = self.mapper.to_domain_event(fallback(row))
        oid = event.originator_id
        return event, oid.hex if isinstance(oid, UUID) else str(oid)

    def _converts_text_ids(self, cls: type[Any]) -> bool:
        """What the mapper does with a stored text id: UUID() it when the event's is one."""
        convert = self._id_convert.get(cls)
        if convert is None:
            finder: Any = find_id_convertor
            convert = self._id_convert[cls] = finder(cls, str) is str_to_uuid_convertor
        return convert

    def _originator(self, cls: type[Any], stored: Any) -> tuple[Any, str]:
        """The event's originator id, as the mapper converts it, and its row-key form."""
        kind = type(stored)
        if kind is str:
            if self._converts_text_ids(cls):
                ids = self._ids
                found: tuple[UUID, str] | None = ids.get(stored)
                if found is None:
                    found = self._ids_older.get(stored)
                    if found is None:
                        u = uuid_of(stored)
                        found = (u, u.hex)
                    if len(ids) >= CACHE_LIMIT:  # (two generations, as in _Cache)
                        self._ids_older = ids
                        self._ids = ids = {}
                    ids[stored] = found
                return found
            return stored, stored
        if isinstance(stored, UUID):
            return stored, stored.hex
        return stored, str(stored)


class _Passthrough:
    """A parser used where a cache would be, for values that never repeat (timestamps)."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[str], Any]) -> None:
        self.parse = parse

    def __getitem__(self, text: str) -> Any:
        return self.parse(text)


def _trusted_attrs(cls: type[Any], fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    fields = attrs.fields(cls)
    names = frozenset(f.name for f in fields)
    converters = [(f.name, f.converter) for f in fields if f.converter is not None]

    def build(data: Any) -> Any:
        if not isinstance(data, dict) or data.keys() != names:
            return fallback(data)
        for name, convert in converters:
            value = data[name]
            if isinstance(value, list):
                data[name] = convert(value)
        obj = _new(cls)
        for name, value in data.items():
            _set(obj, name, value)
        return obj

    return build


_NATIVE = (str, int, bool)


def _field_plan(f: Any, by_type: dict[type[Any], Any]) -> tuple[str, Any] | None:
    """How a reader sets one field from its compact form: ("native" | "codec" | "codecs" |
    "items" | "objects" | "attrs", detail), or None when only the transcoding's own reading
    will do."""
    declared = f.type
    args = typing.get_args(declared)
    optional = typing.get_origin(declared) in (typing.Union, types.UnionType) and (
        type(None) in args
    )
    inner = [a for a in args if a is not type(None)] if optional else [declared]
    if len(inner) != 1:
        return None
    one = inner[0]
    if isinstance(one, type):
        if one in by_type:
            return "codec", by_type[one]
        if one in _NATIVE:
            return "native", one
        if attrs.has(one):
            return "attrs", one
        return None
    if typing.get_origin(one) is tuple and not optional:
        targs = typing.get_args(one)
        if len(targs) == 2 and targs[1] is Ellipsis and isinstance(targs[0], type):
            item = targs[0]
            if item in by_type:
                return "codecs", by_type[item]
            if item in _NATIVE:
                return "items", item
            if attrs.has(item):
                return "objects", item
    return None


def _compiled_reader(
    cls: type[Any], trusted: Callable[[Any], Any], by_type: dict[type[Any], Any]
) -> _ShapeReader | None:
    """A reader of one attrs class's compact dict form (see ``_ShapeReader``), or None when
    some field needs the transcoding's own reading always."""
    attrs.resolve_types(cls)
    plan: dict[str, tuple[int, Any, str, Any]] = {}
    for i, f in enumerate(attrs.fields(cls)):
        found = _field_plan(f, by_type)
        if found is None:
            return None
        if f.converter is not None and found[0] == "attrs":
            return None  # the transcoding re-validates such a class: so must we
        # (a converter on a tuple field, e.g. SubContract.prices, only makes the tuple, which
        # the reader makes too: the transcoding's own trusted reading skips it the same way)
        if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        plan[f.name] = (i, f.default, *found)
    return _ShapeReader(cls, plan, trusted, _twin(cls))


def _twin(cls: type[Any]) -> type[Any] | None:
    """A subclass that adds nothing but plain attribute setting, to build a frozen attrs value
    with ordinary (fast) attribute stores, then turn it into ``cls`` by ``__class__``
    assignment: the same object layout, so the result is a plain ``cls`` instance. None when
    Python refuses that for this class (then fields are set with ``object.__setattr__``)."""
    try:
        twin = type(
            f"{cls.__name__}Builder",
            (cls,),
            {
                "__slots__": (),
                "__setattr__": object.__setattr__,
                "__delattr__": object.__delattr__,
                "__module__": __name__,
            },
        )
        probe: Any = _new(twin)
        for f in attrs.fields(cls):
            setattr(probe, f.name, None)
        probe.__class__ = cls
    except TypeError:
        return None
    return twin if type(probe) is cls else None


class _ShapeReader:
    """Reads one attrs class's compact dict form, as stored (not converted yet).

    Every field is set as stored (its default when left out), inline strings read through the
    caches, nested values read by their own readers, and no converter or validator is run (as
    the transcoding's own trusted reading does). The code is compiled per shape (the stored
    keys, in order: a class is written in a few shapes, one per kind of value), so a field left
    out costs setting its default and nothing else. It never changes the data it reads: on
    anything it does not expect (a field the class does not have, a required one missing, a
    value of another type) it hands the data to the general path, which converts it
    innermost first and calls the transcoding's own ``decode_trusted``: the same value.
    """

    MAX_SHAPES = 64

    def __init__(
        self,
        cls: type[Any],
        plan: dict[str, tuple[int, Any, str, Any]],
        trusted: Callable[[Any], Any],
        twin: type[Any] | None,
    ) -> None:
        self.cls = cls
        self.twin = twin
        self.plan = plan
        self.trusted = trusted
        self.shapes: dict[tuple[str, ...], Callable[[Any], Any]] = {}
        self.tagged: Callable[[Any], Any] = trusted
        self.convert: Callable[[Any], Any] = trusted

    def bind(self, tagged: Callable[[Any], Any], convert: Callable[[Any], Any]) -> None:
        """The converter's functions: a tagged value's value, and any stored value's."""
        self.tagged = tagged
        self.convert = convert

    def general(self, data: Any) -> Any:
        """What the general path gives: the data converted innermost first, then read by the
        transcoding's own trusted reading."""
        return self.trusted(self.convert(data))

    def __call__(self, data: Any) -> Any:
        if type(data) is not dict:
            return self.general(data)
        shape = tuple(data)
        read = self.shapes.get(shape)
        if read is None:
            read = self._compile(shape)
            if len(self.shapes) < self.MAX_SHAPES:
                self.shapes[shape] = read
        return read(data)

    def _compile(self, shape: tuple[str, ...]) -> Callable[[Any], Any]:
        plan = self.plan
        if any(key not in plan for key in shape) or any(
            default is attrs.NOTHING and name not in shape
            for name, (_, default, *_rest) in plan.items()
        ):
            return self.general  # a field it does not have, or a required one missing
        env: dict[str, Any] = {
            "_new": _new,
            "_set": _set,
            "_cls": self.cls,
            "_tuple": tuple,
            "_type": type,
            "_str": str,
            "_dict": dict,
            "_list": list,
            "_len": len,
            "general": self.general,
            "tagged": self.tagged,
        }
        twin = self.twin
        env["_twin"] = twin
        lines = ["def read(data):", "    obj = _new(_twin)" if twin else "    obj = _new(_cls)"]

        def assign(name: str, value: str) -> str:
            if twin is not None:
                return f"    obj.{name} = {value}"
            return f"    _set(obj, {name!r}, {value})"

        def is_tagged(var: str) -> str:
            return (
                f"_type({var}) is _dict and _len({var}) == 2 "
                f"and '_type_' in {var} and '_data_' in {var}"
            )

        for name in shape:
            i, _, mode, detail = plan[name]
            env[f"X{i}"] = detail
            lines += [f"    raw = data[{name!r}]", "    if raw is not None:"]
            if mode == "native":  # set as stored
                lines += [f"        if _type(raw) is not X{i}:", "            return general(data)"]
            elif mode == "codec":
                lines += [
                    "        if _type(raw) is not _str:",
                    "            return general(data)",
                    f"        raw = X{i}[raw]",
                ]
            elif mode == "codecs":
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        for x in raw:",
                    "            if _type(x) is not _str:",
                    "                return general(data)",
                    f"        raw = _tuple([X{i}[x] for x in raw])",
                ]
            elif mode == "items":
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        for x in raw:",
                    f"            if _type(x) is not X{i}:",
                    "                return general(data)",
                    "        raw = _tuple(raw)",
                ]
            elif mode == "objects":  # a tuple of attrs values, each stored tagged
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        items = []",
                    "        for x in raw:",
                    f"            if not ({is_tagged('x')}):",
                    "                return general(data)",
                    "            x = tagged(x)",
                    f"            if _type(x) is not X{i}:",
                    "                return general(data)",
                    "            items.append(x)",
                    "        raw = _tuple(items)",
                ]
            else:  # attrs: one attrs value, stored tagged
                lines += [
                    f"        if not ({is_tagged('raw')}):",
                    "            return general(data)",
                    "        raw = tagged(raw)",
                    f"        if _type(raw) is not X{i}:",
                    "            return general(data)",
                ]
            lines.append(assign(name, "raw"))
        for name, (i, default, _, _) in plan.items():
            if name not in shape:
                env[f"D{i}"] = default
                lines.append(assign(name, f"D{i}"))
        if twin is not None:
            lines.append("    obj.__class__ = _cls")
        lines.append("    return obj")
        source = "\n".join(lines)
        label = f"<q2c cached reading of {self.cls.__qualname__} {shape}>"
        exec(compile(source, label, "exec"), env)
        read: Callable[[Any], Any] = env["read"]
        return read


# -- templates ------------------------------------------------------------------------------
#
# A topic's stored states are written by one encoder, so they come in a few exact shapes: the
# same keys in the same order, the same tags, only the texts and numbers differ. A template is
# one such shape as a regular expression (with a group per text or number) and a function,
# compiled from the shape, that builds the state's values from the groups exactly as the
# general path does (the same caches, readers and builders; attrs values set field by field
# as their compiled readers do). A text that does not fit (another shape, a string with an
# escape, a float, whitespace...) takes the general path. Each template is checked against the
# general path on the text it was learned from before it is used.

_STR = r'[^"\\\x00-\x1f]*'  # a JSON string's content without escapes: the text itself
_INT = r"-?(?:0|[1-9][0-9]*)"  # a JSON integer, as JSON writes it
_STRS = rf'(?:"{_STR}"(?:,"{_STR}")*)?'  # the items of a list of such strings
_find_strings = re.compile(rf'"({_STR})"').findall


class _NoTemplate(Exception):
    """The shape has something templates do not read: the general path reads it always."""


class _Template:
    """One stored shape: ``match(text)`` (a full match, or None) and ``build(groups)``."""

    __slots__ = ("build", "match")

    def __init__(self, match: Callable[[str], Any], build: Callable[[tuple[Any, ...]], Any]):
        self.match = match
        self.build = build


class _Templates:
    """Writes the template of one parsed (not yet converted) stored state."""

    MAX = 4  # templates per topic
    MAX_TRIES = 16  # texts per topic a template is learned from, at most

    def __init__(self, decoder: TrustedDecoder) -> None:
        self.decoder = decoder
        self.pattern: list[str] = []
        self.lines: list[str] = []
        self.env: dict[str, Any] = {
            "_new": _new,
            "_set": _set,
            "_int": int,
            "_tuple": tuple,
            "_strings": _find_strings,
        }
        self.groups = 0

    def write(self, state: Any) -> _Template:
        if type(state) is not dict or "class_version" in state:
            raise _NoTemplate
        items = []
        self.pattern.append(r"\{")
        for n, (key, value) in enumerate(state.items()):
            self.literal(("," if n else "") + _json(key) + ":")
            items.append(f"{key!r}: {self.value(value)}")
        self.pattern.append(r"\}")
        body = [*self.lines, "return {" + ", ".join(items) + "}"]
        source = "def build(g):\n" + "\n".join("    " + line for line in body)
        env = self.env
        exec(compile(source, "<q2c stored state template>", "exec"), env)
        regex = re.compile("".join(self.pattern))
        return _Template(regex.fullmatch, env["build"])

    def literal(self, text: str) -> None:
        self.pattern.append(re.escape(text))

    def group(self, pattern: str) -> str:
        self.pattern.append(f"({pattern})")
        self.groups += 1
        return f"g[{self.groups - 1}]"

    def name(self, prefix: str, value: Any) -> str:
        key = f"{prefix}{len(self.env)}"
        self.env[key] = value
        return key

    def string(self) -> str:
        self.literal('"')
        found = self.group(_STR)
        self.literal('"')
        return found

    def value(self, value: Any) -> str:
        """The expression of one value as the general path converts it."""
        if value is None:
            self.literal("null")
            return "None"
        if value is True or value is False:
            return f"({self.group('true|false')} == 'true')"
        kind = type(value)
        if kind is str:
            return self.string()
        if kind is int:
            return f"_int({self.group(_INT)})"
        if kind is list:
            if all(type(v) is str for v in value):  # (stays a list of texts)
                self.literal("[")
                found = self.group(_STRS)
                self.literal("]")
                return f"_strings({found})"
            items = []
            self.literal("[")
            for n, item in enumerate(value):
                if n:
                    self.literal(",")
                if not _is_tagged(item):
                    raise _NoTemplate
                items.append(self.tagged(item))
            self.literal("]")
            return "[" + ", ".join(items) + "]"
        if _is_tagged(value):
            return self.tagged(value)
        raise _NoTemplate  # a plain dict, a float...

    def tagged(self, value: dict[str, Any]) -> str:
        """``{"_type_": name, "_data_": data}``: the value of its transcoding."""
        name, data = value["_type_"], value["_data_"]
        if type(name) is not str or name not in self.decoder.builders:
            raise _NoTemplate
        self.literal('{"_type_":' + _json(name) + ',"_data_":')
        if type(data) is str:
            found = self.string()
            cache = self.decoder.strings.get(name)
            if isinstance(cache, _Passthrough):  # (its parser, called directly)
                expr = f"{self.name('P', cache.parse)}({found})"
            elif cache is not None:
                expr = f"{self.name('C', cache)}[{found}]"
            else:
                expr = f"{self.name('B', self.decoder.builders[name])}({found})"
        elif type(data) is dict:
            reader = self.decoder.readers.get(name)
            if reader is None:
                raise _NoTemplate
            expr = self.attrs(reader, data)
        else:
            raise _NoTemplate
        self.literal("}")
        return expr

    def attrs(self, reader: _ShapeReader, data: dict[str, Any]) -> str:
        """An attrs value in its compact dict form, read as its compiled reader reads this
        shape (a shape the reader hands to the general path is not templated)."""
        plan = reader.plan
        if any(key not in plan for key in data) or any(
            default is attrs.NOTHING and name not in data
            for name, (_, default, *_rest) in plan.items()
        ):
            raise _NoTemplate
        var = self.name("o", None)
        twin = reader.twin
        if twin is not None:
            self.lines.append(f"{var} = _new({self.name('W', twin)})")
        else:
            self.lines.append(f"{var} = _new({self.name('K', reader.cls)})")

        def assign(field: str, expr: str) -> None:
            if twin is not None:
                self.lines.append(f"{var}.{field} = {expr}")
            else:
                self.lines.append(f"_set({var}, {field!r}, {expr})")

        self.literal("{")
        for n, (key, raw) in enumerate(data.items()):
            self.literal(("," if n else "") + _json(key) + ":")
            _, _, mode, detail = plan[key]
            if raw is None:
                self.literal("null")
                assign(key, "None")
                continue
            if mode == "native":
                if type(raw) is not detail:
                    raise _NoTemplate
                assign(key, self.value(raw))
            elif mode == "codec":
                if type(raw) is not str:
                    raise _NoTemplate
                if isinstance(detail, _Passthrough):
                    assign(key, f"{self.name('P', detail.parse)}({self.string()})")
                else:
                    assign(key, f"{self.name('X', detail)}[{self.string()}]")
            elif mode == "codecs" or (mode == "items" and detail is str):
                if type(raw) is not list or not all(type(x) is str for x in raw):
                    raise _NoTemplate
                self.literal("[")
                found = self.group(_STRS)
                self.literal("]")
                if mode == "codecs":
                    cache = self.name("X", detail)
                    assign(key, f"_tuple([{cache}[x] for x in _strings({found})])")
                else:
                    assign(key, f"_tuple(_strings({found}))")
            elif mode == "objects":
                if type(raw) is not list:
                    raise _NoTemplate
                items = []
                self.literal("[")
                for i, item in enumerate(raw):
                    if i:
                        self.literal(",")
                    items.append(self.nested(item, detail))
                self.literal("]")
                assign(key, "_tuple([" + "".join(f"{x}, " for x in items) + "])")
            elif mode == "attrs":
                assign(key, self.nested(raw, detail))
            else:
                raise _NoTemplate
        self.literal("}")
        for name, (_i, default, _, _) in plan.items():
            if name not in data:
                assign(name, self.name("D", default))
        if twin is not None:
            self.lines.append(f"{var}.__class__ = {self.name('K', reader.cls)}")
        return var

    def nested(self, value: Any, kind: type[Any]) -> str:
        """A nested attrs value, stored tagged, that must be of the declared class."""
        if not _is_tagged(value) or type(value["_data_"]) is not dict:
            raise _NoTemplate
        reader = self.decoder.readers.get(value["_type_"])
        if reader is None or reader.cls is not kind:
            raise _NoTemplate
        return self.tagged(value)


def _json(text: str) -> str:
    """A key or tag as the encoders write it (non-ASCII as it is)."""
    return json.dumps(text, ensure_ascii=False)


def _is_tagged(value: Any) -> bool:
    return type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value


def _same_values(a: Any, b: Any) -> bool:
    """Equal, of the same types, with the same reprs (Decimal exponents), value for value."""
    if type(a) is not type(b) or a != b or repr(a) != repr(b):
        return False
    if type(a) is dict:
        return all(_same_values(a[k], b[k]) for k in a) and list(a) == list(b)
    if type(a) in (list, tuple):
        return all(_same_values(x, y) for x, y in zip(a, b, strict=True))
    if attrs.has(type(a)):
        return all(
            _same_values(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a))
        )
    return True


def _std_loads(raw: bytes | str) -> Any:
    if isinstance(raw, bytes | bytearray | memoryview):
        return json.loads(bytes(raw).decode("utf8"))
    return json.loads(raw)


# a number of 19 digits or more after a key or in a list: it may not fit 64 bits, which orjson
# reads as a float where the standard library (and the mapper) keeps the int
_LONG_NUMBER = re.compile(r"[:,\[]-?[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(rb"[:,\[]-?[0-9]{19}")


def _loads(raw: bytes | str) -> Any:
    """Parse JSON text (bytes or str) into plain Python values."""
    if _fast_loads is not None and not (
        _LONG_NUMBER.search(raw) if isinstance(raw, str) else _LONG_NUMBER_BYTES.search(raw)
    ):
        try:
            return _fast_loads(raw)
        except ValueError:  # e.g. a lone surrogate escape, which the stdlib parser accepts
            pass
    return _std_loads(raw)


def _converter(
    builders: dict[str, Callable[[Any], Any]],
    strings: dict[str, _Cache | _Passthrough],
    readers: dict[str, _ShapeReader],
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Turn parsed JSON into the transcoder's values: every dict that is exactly
    ``{"_type_", "_data_"}`` becomes its transcoding's value, innermost first (what the
    transcoder's ``object_hook`` does); lists and other dicts are converted in place.
    Values stored as strings come from their cache (or parser); q2c's attrs values in their
    dict form from their compiled reader."""
    dict_ = dict
    list_ = list
    str_ = str

    def tagged(value: dict[str, Any]) -> Any:
        """The value of a ``{"_type_", "_data_"}`` dict."""
        name = value["_type_"]
        data = value["_data_"]
        kind = type(data)
        if kind is str_:
            cache = strings.get(name)
            if cache is not None:
                return cache[data]
        elif kind is dict_:
            reader = readers.get(name)
            if reader is not None:
                return reader(data)  # (it reads the data as stored)
            if len(data) == 2 and "_type_" in data and "_data_" in data:
                data = tagged(data)
            else:
                fill(data)
        elif kind is list_:
            fill_list(data)
        return builders[name](data)

    def fill(value: dict[str, Any]) -> None:
        """Convert a plain dict's values in place."""
        for key, item in value.items():
            kind = type(item)
            if kind is dict_:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    data = item["_data_"]
                    if type(data) is str_:
                        cache = strings.get(item["_type_"])
                        if cache is not None:
                            value[key] = cache[data]
                            continue
                    value[key] = tagged(item)
                else:
                    fill(item)
            elif kind is list_:
                fill_list(item)

    def fill_list(value: list[Any]) -> None:
        """Convert a list's items in place."""
        for i, item in enumerate(value):
            kind = type(item)
            if kind is dict_:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    value[i] = tagged(item)
                else:
                    fill(item)
            elif kind is list_:
                fill_list(item)

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is dict_:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return tagged(value)
            fill(value)
        elif kind is list_:
            fill_list(value)
        return value

    return convert, tagged
