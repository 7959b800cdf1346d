"""How q2c's values are written into stored events and snapshots, and read back exactly.

eventsourcing only knows UUID, Decimal and datetime. Every other type that appears in an event or
in an aggregate's state (dates, enums, attrs values) is registered here; attrs values go through
one cattrs converter so nested values, tuples and optionals come back as the types they were.
"""

from __future__ import annotations

import enum
import functools
import importlib
import json
import operator
import pkgutil
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn
from eventsourcing.persistence import JSONTranscoder, Transcoding

import q2c_core.domain


def _optional_orjson() -> Any:
    """orjson when installed: an optional speed-up, the standard library writes the same bytes."""
    try:
        return importlib.import_module("orjson")
    except ImportError:  # pragma: no cover - exercised where orjson is not installed
        return None


_orjson: Any = _optional_orjson()


converter = cattrs.Converter()


def _passthrough_or(cls: type[Any], parse: Any) -> Any:
    def hook(value: Any, _: Any) -> Any:
        return value if isinstance(value, cls) else parse(value)

    return hook


converter.register_structure_hook(Decimal, _passthrough_or(Decimal, lambda v: Decimal(str(v))))
converter.register_structure_hook(UUID, _passthrough_or(UUID, UUID))
converter.register_structure_hook(datetime, _passthrough_or(datetime, datetime.fromisoformat))
converter.register_structure_hook(date, _passthrough_or(date, date.fromisoformat))
converter.register_unstructure_hook(Decimal, lambda v: v)
converter.register_unstructure_hook(UUID, lambda v: v)
converter.register_unstructure_hook(date, lambda v: v)
converter.register_unstructure_hook(datetime, lambda v: v)


def _attrs_structure_factory(cls: type[Any]) -> Any:
    # values arrive already decoded when they were nested inside another value
    attrs.resolve_types(cls)
    inner = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: Any) -> Any:
        return value if isinstance(value, cls) else inner(value, cls)

    return hook


converter.register_structure_hook_factory(attrs.has, _attrs_structure_factory)


class DateAsISO(Transcoding):
    """Dates as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def enum_transcoding(cls: type[enum.Enum]) -> Transcoding:
    """A transcoding that stores an enum member by name."""

    class EnumByName(Transcoding):
        type = cls
        name = f"q2c.{cls.__name__}"

        def encode(self, obj: enum.Enum) -> str:
            return obj.name

        def decode(self, data: str) -> enum.Enum:
            return cls[data]

    return EnumByName()


# ---------------------------------------------------------------------------------------------
# Compact forms. A value whose type a field declares is stored inline as a short string (a
# Decimal as "12.50", a UUID as hex, a date as ISO, an enum member by name, Money as
# "12.50 EUR", a Period as "2025-01-01/2025-02-01", a TaxRate as "STANDARD 21"), with no
# {"_type_", "_data_"} wrapper: the declared type says how to read it back. Fields left at their
# default (None, "", (), an enum default) are not written. Anything that does not match its
# declared type exactly is stored in the plain form (every field, values wrapped), inside a
# one-element list, and read back through cattrs as before.


def _money_str(obj: Any) -> str:
    if type(obj.amount) is not Decimal or type(obj.currency) is not str or " " in obj.currency:
        raise TypeError("not a plain Money")
    return f"{obj.amount} {obj.currency}"


def _period_str(obj: Any) -> str:
    if type(obj.start) is not date or type(obj.end) is not date:
        raise TypeError("not a plain Period")
    return f"{obj.start.isoformat()}/{obj.end.isoformat()}"


def _tax_rate_str(obj: Any) -> str:
    if type(obj.rate) is not Decimal or type(obj.category) is not _tax_category():
        raise TypeError("not a plain TaxRate")
    return f"{obj.category._name_} {obj.rate}"


@functools.cache
def _tax_category() -> type[Any]:
    from q2c_core.domain.tax import TaxCategory

    return TaxCategory


def _compact_types() -> dict[type[Any], tuple[Any, Any, Any]]:
    """type -> (encode to str, decode from str validating, decode from str trusting)."""
    from q2c_core.domain.money import Money
    from q2c_core.domain.tax import TaxCategory, TaxRate
    from q2c_core.domain.values import Period

    new = object.__new__
    setattr_ = object.__setattr__

    def money(s: str) -> Money:
        amount, currency = s.split(" ")
        return Money(Decimal(amount), currency)

    def money_trusted(s: str) -> Money:
        amount, currency = s.split(" ")
        m = new(Money)
        setattr_(m, "amount", Decimal(amount))
        setattr_(m, "currency", currency)
        return m

    def period(s: str) -> Period:
        start, end = s.split("/")
        return Period(date.fromisoformat(start), date.fromisoformat(end))

    def period_trusted(s: str) -> Period:
        start, end = s.split("/")
        p = new(Period)
        setattr_(p, "start", date.fromisoformat(start))
        setattr_(p, "end", date.fromisoformat(end))
        return p

    def tax_rate(s: str) -> TaxRate:
        category, rate = s.split(" ")
        return TaxRate(TaxCategory[category], Decimal(rate))

    def tax_rate_trusted(s: str) -> TaxRate:
        category, rate = s.split(" ")
        t = new(TaxRate)
        setattr_(t, "category", TaxCategory[category])
        setattr_(t, "rate", Decimal(rate))
        return t

    return {
        Decimal: (str, Decimal, Decimal),
        UUID: (lambda u: u.hex, UUID, UUID),
        date: (date.isoformat, date.fromisoformat, date.fromisoformat),
        datetime: (datetime.isoformat, datetime.fromisoformat, datetime.fromisoformat),
        Money: (_money_str, money, money_trusted),
        Period: (_period_str, period, period_trusted),
        TaxRate: (_tax_rate_str, tax_rate, tax_rate_trusted),
    }


_COMPACT: dict[type[Any], tuple[Any, Any, Any]] = {}


def _compact() -> dict[type[Any], tuple[Any, Any, Any]]:
    if not _COMPACT:
        _COMPACT.update(_compact_types())
    return _COMPACT


def _enum_codec(cls: type[enum.Enum]) -> tuple[Any, Any, Any]:
    # ``_name_`` is the member's name without the ``name`` property's Python-level lookup
    return operator.attrgetter("_name_"), cls.__getitem__, cls.__getitem__


def _codec(kind: Any) -> tuple[type[Any], tuple[Any, Any, Any]] | None:
    """The inline string codec of a declared type, if it has one."""
    if not isinstance(kind, type):
        return None
    if issubclass(kind, enum.Enum):
        return kind, _enum_codec(kind)
    found = _compact().get(kind)
    return (kind, found) if found is not None else None


_NATIVE = (str, int, bool)
_MISSING: Any = object()


def _items(raw: Any, kind: Any, declared: Any) -> tuple[Any, ...]:
    """A stored list of plain or already decoded items as the declared tuple."""
    items = tuple(raw)
    for item in items:
        if type(item) is not kind:
            return converter.structure(raw, declared)
    return items


class _Field:
    """How one attrs field is written and read in the compact form."""

    __slots__ = ("alias", "codec", "default", "kind", "mode", "name", "omit_default", "type")

    def __init__(self, f: Any) -> None:
        self.name: str = f.name
        self.alias: str = f.alias
        self.type: Any = f.type
        self.default: Any = f.default
        self.omit_default = f.default is not attrs.NOTHING and not isinstance(
            f.default,
            attrs.Factory,  # type: ignore[arg-type]
        )
        args = typing.get_args(f.type)
        origin = typing.get_origin(f.type)
        optional = origin in (typing.Union, types.UnionType) and type(None) in args
        inner = [a for a in args if a is not type(None)] if optional else [f.type]
        self.kind: Any = None
        self.codec: Any = None
        # mode: "codec" (inline str), "tuple" (tuple of inline str), "native" (str/int/bool),
        # "attrs" (a nested attrs value, wrapped), "other" (left to cattrs)
        self.mode = "other"
        if len(inner) == 1:
            one = inner[0]
            found = _codec(one)
            if found is not None:
                self.mode, (self.kind, self.codec) = "codec", found
            elif one in _NATIVE:
                self.mode, self.kind = "native", one
            elif isinstance(one, type) and attrs.has(one):
                self.mode, self.kind = "attrs", one
            elif typing.get_origin(one) is tuple and not optional:
                targs = typing.get_args(one)
                if len(targs) == 2 and targs[1] is Ellipsis:
                    found = _codec(targs[0])
                    if found is not None:
                        self.mode, (self.kind, self.codec) = "tuple", found
                    elif targs[0] in _NATIVE or (
                        isinstance(targs[0], type) and attrs.has(targs[0])
                    ):
                        # items stored as they are (attrs items wrapped, read back by the hook)
                        self.mode, self.kind, self.codec = "tuple", targs[0], None

    def is_default(self, value: Any) -> bool:
        if not self.omit_default:
            return False
        default = self.default
        if value is default:
            return True
        kind = type(value)
        if kind is not type(default):
            return False
        if kind in _NATIVE:
            return bool(value == default)
        return kind is tuple and value == () and default == ()


def _native_fields_function(cls: type[Any], fields: list[_Field]) -> Any:
    """Compile ``encode_fields`` for one class into straight-line code that also writes each
    nested value in its stored form (``native``); None when a value is off the compact form.

    The generated code makes exactly the decisions of ``encode_fields``, field by field. A
    nested attrs value whose class has such a writer too (``inline``: class -> (transcoding
    name, writer)) is written by it in place, tagged as its transcoding tags it; any other, or
    one its writer declines, goes through the transcoder (``natives``), which writes the same.
    """
    env: dict[str, Any] = {"_NATIVE_TUPLE": tuple, "_nested": _nested}
    lines = ["def native_fields(obj, native, natives, inline):", "    out = {}"]
    for i, f in enumerate(fields):
        key = repr(f.name)
        kind, codec, default = f"K{i}", f"C{i}", f"D{i}"
        env[kind], env[default] = f.kind, f.default
        env[codec] = f.codec[0] if f.codec else None
        lines.append(f"    v = obj.{f.name}")
        lines.append("    if v is None:")
        if f.omit_default and f.default is None:
            lines.append("        pass")
        else:
            lines.append(f"        out[{key}] = None")
        lines.append("    else:")
        body: list[str] = []
        if f.mode == "codec":
            body += [f"if type(v) is not {kind}: return None", f"out[{key}] = {codec}(v)"]
        else:
            if f.mode == "native":
                body += [f"if type(v) is not {kind}: return None", f"out[{key}] = v"]
            elif f.mode == "tuple":
                body += [
                    "if type(v) is not _NATIVE_TUPLE: return None",
                    "for x in v:",
                    f"    if type(x) is not {kind}: return None",
                ]
                item = f"{codec}(x)" if f.codec else f"_nested(x, {kind}, native, natives, inline)"
                body.append(f"out[{key}] = [{item} for x in v]")
            elif f.mode == "attrs":
                body += [
                    f"if type(v) is not {kind}: return None",
                    f"out[{key}] = _nested(v, {kind}, native, natives, inline)",
                ]
            else:
                body.append(f"out[{key}] = native(v)")
            if f.omit_default:
                default_kind = type(f.default)
                env[f"T{i}"] = default_kind
                if default_kind in _NATIVE:
                    test = f"v is {default} or (type(v) is T{i} and v == {default})"
                elif default_kind is tuple and f.default == ():
                    test = f"v is {default} or (type(v) is _NATIVE_TUPLE and v == ())"
                else:
                    test = f"v is {default}"
                body = [f"if not ({test}):", *("    " + b for b in body)]
        lines += ["        " + b for b in body]
    lines.append("    return out")
    source = "\n".join(lines)
    exec(compile(source, f"<q2c native fields of {cls.__qualname__}>", "exec"), env)
    return env["native_fields"]


def _nested(value: Any, kind: type[Any], native: Any, natives: Any, inline: Any) -> Any:
    """A nested attrs value in its stored form: by its class's own writer when it has one."""
    found = inline.get(kind)
    if found is not None:
        try:
            inner = found[1](value, native, natives, inline)
        except TypeError:
            inner = None
        if inner is not None:
            return {"_type_": found[0], "_data_": inner}
    return natives.get(kind, native)(value)


def _trusted_builder(cls: type[Any], plan: list[tuple[str, int, Any, Any, Any, Any]]) -> Any:
    """Compile the trusted reading of one class's compact form into straight-line code.

    ``build(data, fallback)`` sets every field from ``data`` as stored (or its default when
    left out), parsing inline strings, and hands anything unexpected (a required field
    missing, a field the class does not have) to ``fallback``, the validating decoder.
    """
    env: dict[str, Any] = {
        "_new": object.__new__,
        "_set": object.__setattr__,
        "_cls": cls,
        "_M": _MISSING,
        "_items": _items,
        "_structure": converter.structure,
        "_tuple": tuple,
        "_map": map,
        "_type": type,
        "_len": len,
    }
    lines = ["def build(data, fallback):", "    obj = _new(_cls)", "    get = data.get"]
    lines.append("    n = 0")
    for i, (name, mode, parse, default, kind, declared) in enumerate(plan):
        env[f"P{i}"], env[f"D{i}"], env[f"K{i}"], env[f"T{i}"] = parse, default, kind, declared
        key = repr(name)
        if mode == 0:
            value = "raw"
        elif mode == 1:
            value = f"P{i}(raw)"
        elif mode == 2:
            value = f"_tuple(_map(P{i}, raw))" if parse else f"_items(raw, K{i}, T{i})"
        elif mode == 3:
            value = f"raw if _type(raw) is K{i} else _structure(raw, T{i})"
        else:
            value = f"_structure(raw, T{i})"
        lines.append(f"    raw = get({key}, _M)")
        lines.append("    if raw is _M:")
        if default is attrs.NOTHING:
            lines.append("        return fallback(data)")
        else:
            lines.append(f"        _set(obj, {key}, D{i})")
        lines += [
            "    else:",
            "        n += 1",
            f"        _set(obj, {key}, None if raw is None else ({value}))",
        ]
    lines += [
        "    if n != _len(data):  # a field this class does not have: let the decoder refuse it",
        "        return fallback(data)",
        "    return obj",
    ]
    source = "\n".join(lines)
    exec(compile(source, f"<q2c trusted reading of {cls.__qualname__}>", "exec"), env)
    return env["build"]


def attrs_transcoding(cls: type[Any]) -> Transcoding:
    """A transcoding that stores an attrs value compactly (see above), or as a dict of fields."""
    attrs.resolve_types(cls)
    fields = [_Field(f) for f in attrs.fields(cls)]
    plain_names = [f.name for f in attrs.fields(cls)]
    compact = _compact().get(cls)
    all_init = all(f.init for f in attrs.fields(cls))
    # trusting skips converters: only when every converted field is one read here exactly
    trustable = all(
        f.converter is None or g.mode in ("codec", "tuple", "native")
        for f, g in zip(attrs.fields(cls), fields, strict=True)
    )

    def encode_fields(obj: Any) -> Any:
        out: dict[str, Any] = {}
        for f in fields:
            value = getattr(obj, f.name)
            if value is None:
                if f.omit_default and f.default is None:
                    continue
                out[f.name] = None
                continue
            mode = f.mode
            if mode == "codec":
                if type(value) is not f.kind:
                    return None
                out[f.name] = f.codec[0](value)
                continue
            if f.is_default(value):
                continue
            if mode == "native":
                if type(value) is not f.kind:
                    return None
                out[f.name] = value
            elif mode == "tuple":
                if type(value) is not tuple:
                    return None
                kind = f.kind
                for item in value:
                    if type(item) is not kind:
                        return None
                out[f.name] = [f.codec[0](x) for x in value] if f.codec else list(value)
            elif mode == "attrs":
                if type(value) is not f.kind:
                    return None
                out[f.name] = value
            else:
                out[f.name] = value
        return out

    modes = {"native": 0, "codec": 1, "tuple": 2, "attrs": 3, "other": 4}
    plan: list[tuple[str, int, Any, Any, Any, Any]] = [
        (f.name, modes[f.mode], f.codec[2] if f.codec else None, f.default, f.kind, f.type)
        for f in fields
    ]

    checked: dict[str, tuple[str, int, Any, Any, Any]] = {
        f.name: (f.alias, modes[f.mode], f.codec[1] if f.codec else None, f.kind, f.type)
        for f in fields
    }

    native_fields = _native_fields_function(cls, fields)

    build_trusted = _trusted_builder(cls, plan)

    class AttrsCompact(Transcoding):
        type = cls
        name = f"q2c.{cls.__name__}"

        def encode_native(
            self, obj: Any, native: Any, natives: dict[Any, Any], inline: dict[Any, Any]
        ) -> Any:
            """``encode``'s result with every nested value in its stored, JSON-ready form."""
            if compact is not None and type(obj) is cls:
                try:
                    return compact[0](obj)
                except TypeError:
                    pass
            elif all_init:
                try:
                    found = native_fields(obj, native, natives, inline)
                except TypeError:
                    found = None
                if found is not None:
                    return found
            return native(self.encode(obj))

        def encode(self, obj: Any) -> Any:
            if compact is not None and type(obj) is cls:
                try:
                    return compact[0](obj)
                except TypeError:
                    pass
            elif all_init:
                try:
                    found = encode_fields(obj)
                except TypeError:
                    found = None
                if found is not None:
                    return found
            # the plain form: every field, each value wrapped by the transcoder
            return [{name: getattr(obj, name) for name in plain_names}]

        def decode(self, data: Any) -> Any:
            if type(data) is str and compact is not None:
                return compact[1](data)
            if type(data) is list:
                return converter.structure(data[0], cls)
            kwargs: dict[str, Any] = {}
            for key, raw in data.items():
                alias, mode, parse, kind, declared = checked[key]
                if raw is None or mode == 0:
                    kwargs[alias] = raw
                elif mode == 1:
                    kwargs[alias] = parse(raw)
                elif mode == 2:
                    kwargs[alias] = tuple(map(parse, raw)) if parse else _items(raw, kind, declared)
                elif mode == 3 and type(raw) is kind:
                    kwargs[alias] = raw
                else:
                    kwargs[alias] = converter.structure(raw, declared)
            return cls(**kwargs)

        def decode_trusted(self, data: Any) -> Any:
            """The same value, built without running converters and validators again."""
            if type(data) is str and compact is not None:
                return compact[2](data)
            if not trustable or type(data) is not dict:
                return self.decode(data)
            return build_trusted(data, self.decode)

    transcoding = AttrsCompact()
    # the compiled writer, for transcoders that write nested values in place (``_nested``)
    transcoding.native_fields = native_fields if all_init and compact is None else None  # type: ignore[attr-defined]
    return transcoding


def _domain_modules() -> list[Any]:
    """Every module of q2c_core.domain: a new domain module is registered without listing it."""
    modules = []
    for info in pkgutil.iter_modules(q2c_core.domain.__path__):
        modules.append(importlib.import_module(f"q2c_core.domain.{info.name}"))
    return modules


def transcodings() -> list[Transcoding]:
    """Every transcoding q2c needs besides eventsourcing's own."""
    found: dict[str, Transcoding] = {}
    for module in _domain_modules():
        for obj in vars(module).values():
            if not isinstance(obj, type) or obj.__module__ != module.__name__:
                continue
            if issubclass(obj, enum.Enum):
                found[obj.__qualname__] = enum_transcoding(obj)
            elif attrs.has(obj):
                found[obj.__qualname__] = attrs_transcoding(obj)
    return [DateAsISO(), *found.values()]


_FAST_DECODERS: dict[str, Any] = {
    "uuid_hex": UUID,
    "decimal_str": Decimal,
    "datetime_iso": datetime.fromisoformat,
    "date_iso": date.fromisoformat,
}
_FAST_ENCODERS: dict[str, Any] = {
    "uuid_hex": operator.attrgetter("hex"),
    "decimal_str": str,
    "datetime_iso": datetime.isoformat,
    "date_iso": date.isoformat,
}


class _NotPlain(Exception):
    """A value the JSON-ready path does not handle: the general encoder takes the whole."""


class Q2CJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, same stored form, with shorter paths per value.

    Writing first turns the object into its stored form of plain JSON values (each registered
    transcoding looked up once by exact type, q2c's attrs values written field by field), then
    serialises that with ``orjson`` when it is installed, else with the standard library's C
    encoder: the same bytes either way. Anything off that path (a float, a subclass, a key
    that is not a string, an unregistered type) goes through eventsourcing's own encoder.
    Reading looks each transcoding up by name, and the standard ones (UUID, Decimal, datetime,
    date) call their parsers directly.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_type: dict[type, tuple[str, Any]] = {}
        self._by_name: dict[str, Any] = {}
        self._natives: dict[type, Any] = {}
        self._inline: dict[type, tuple[str, Any]] = {}  # attrs classes with a compiled writer
        self.encoder = json.JSONEncoder(
            default=self._encode_fast, separators=(",", ":"), ensure_ascii=False
        )
        self.decoder = json.JSONDecoder(object_hook=self._decode_fast)
        self._plain = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        name = transcoding.name
        encode = _FAST_ENCODERS.get(name, transcoding.encode)
        self._by_type[transcoding.type] = (name, encode)
        self._by_name[name] = _FAST_DECODERS.get(name, transcoding.decode)
        self._natives[transcoding.type] = self._tagger(name, transcoding, encode)
        writer = getattr(transcoding, "native_fields", None)
        if writer is not None:
            self._inline[transcoding.type] = (name, writer)
        else:
            self._inline.pop(transcoding.type, None)

    def _tagger(self, name: str, transcoding: Transcoding, encode: Any) -> Any:
        native, natives, inline = self._native, self._natives, self._inline
        encode_native = getattr(transcoding, "encode_native", None)
        if encode_native is not None:
            return lambda o: {"_type_": name, "_data_": encode_native(o, native, natives, inline)}
        if name in _FAST_ENCODERS:  # returns a str
            return lambda o: {"_type_": name, "_data_": encode(o)}
        return lambda o: {"_type_": name, "_data_": native(encode(o))}

    def _native(self, o: Any) -> Any:
        kind = type(o)
        if kind is str or kind is int or kind is bool or o is None:
            return o
        if kind is dict:
            out = {}
            native, tags = self._native, self._natives
            for key, value in o.items():
                if type(key) is not str:
                    raise _NotPlain
                k = type(value)
                if k is str or k is int or k is bool or value is None:
                    out[key] = value
                else:  # a registered type tagged at once, anything else by the general path
                    tag = tags.get(k)
                    out[key] = native(value) if tag is None else tag(value)
            return out
        if kind is list or kind is tuple:
            native, tags = self._native, self._natives
            items = []
            for value in o:
                tag = tags.get(type(value))
                items.append(native(value) if tag is None else tag(value))
            return items
        try:
            tag = self._natives[kind]
        except KeyError:
            raise _NotPlain from None
        return tag(o)

    def encode(self, obj: Any) -> bytes:
        """The stored form of ``obj`` as UTF-8 JSON."""
        try:
            plain = self._native(obj)
        except _NotPlain:
            return super().encode(obj)
        if _orjson is not None:
            try:
                encoded: bytes = _orjson.dumps(plain)
                return encoded
            except TypeError:  # e.g. an int beyond 64 bits: the standard encoder takes it
                pass
        return self._plain.encode(plain).encode("utf8")

    def _encode_fast(self, o: Any) -> dict[str, Any]:
        try:
            name, encode = self._by_type[type(o)]
        except KeyError:
            return self._encode_obj(o)  # raises eventsourcing's own error
        return {"_type_": name, "_data_": encode(o)}

    def _decode_fast(self, d: dict[str, Any]) -> Any:
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            try:
                decode = self._by_name[d["_type_"]]
            except (KeyError, TypeError):
                return self._decode_obj(d)  # raises eventsourcing's own error
            return decode(d["_data_"])
        return d


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Register q2c's transcodings on an eventsourcing JSON transcoder."""
    for t in transcodings():
        transcoder.register(t)
