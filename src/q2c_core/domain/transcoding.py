"""How q2c's values are written into stored events and snapshots, and read back exactly.

eventsourcing only knows UUID, Decimal and datetime. Every other type that appears in an event or
in an aggregate's state (dates, enums, attrs values) is registered here; attrs values go through
one cattrs converter so nested values, tuples and optionals come back as the types they were.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn
from eventsourcing.persistence import JSONTranscoder, Transcoding

import q2c_core.domain

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


def attrs_transcoding(cls: type[Any]) -> Transcoding:
    """A transcoding that stores an attrs value as a dict of its fields (recursively)."""

    class AttrsAsDict(Transcoding):
        type = cls
        name = f"q2c.{cls.__name__}"

        def encode(self, obj: Any) -> dict[str, Any]:
            # shallow: nested registered values encode themselves via their own transcoding
            return {f.name: getattr(obj, f.name) for f in attrs.fields(cls)}

        def decode(self, data: dict[str, Any]) -> Any:
            return converter.structure(data, cls)

    return AttrsAsDict()


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


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Register q2c's transcodings on an eventsourcing JSON transcoder."""
    for t in transcodings():
        transcoder.register(t)
