"""Decoding notifications for the read side, fast.

The application's mapper rebuilds every value through cattrs and the attrs validators, which is
right when a command is about to act on it and slow for a replay of a million events that were
all validated when they were recorded. ``TrustedDecoder`` reads the same stored state with the
same transcoding names, and builds attrs values without re-validating them: q2c's own attrs
transcodings read their compact form with ``decode_trusted`` (see ``q2c_core.domain.transcoding``),
any other attrs transcoding is read field by field (list fields that a converter turns into tuples
are still converted). Anything it does not recognise exactly (an
unknown transcoding, an attrs value whose stored fields differ from the class's, an event class
with upcasting) goes through the application's own transcoding, so the result is the same event.

The JSON text is parsed without an ``object_hook`` (by ``orjson`` when it is installed, an
optional speed-up, else by the standard library's C parser) and the tagged
``{"_type_": ..., "_data_": ...}`` values are then converted bottom-up, the same values the
transcoder's hook gives.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.utils import resolve_topic

_fast_loads: Callable[[bytes | str], Any] | None
try:  # optional: q2c_core depends only on eventsourcing, attrs and cattrs
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _fast_loads = None


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
        obj = object.__new__(cls)
        for name, value in data.items():
            object.__setattr__(obj, name, value)
        return obj

    return build


class TrustedDecoder:
    """Turns notifications into domain events like ``app.mapper.to_domain_event``, faster."""

    def __init__(self, app: Application[Any]) -> None:
        self.mapper = app.mapper
        transcoder: Any = app.mapper.transcoder
        self.plain = app.mapper.cipher is None and app.mapper.compressor is None
        builders: dict[str, Callable[[Any], Any]] = {}
        for name, transcoding in transcoder.names.items():
            kind = getattr(transcoding, "type", None)
            if name == "decimal_str":
                builders[name] = Decimal
            elif name == "uuid_hex":
                builders[name] = UUID
            elif name == "datetime_iso":
                builders[name] = datetime.fromisoformat
            elif name == "date_iso":
                builders[name] = date.fromisoformat
            elif isinstance(kind, type) and issubclass(kind, enum.Enum):
                builders[name] = kind.__getitem__
            elif isinstance(kind, type) and attrs.has(kind):
                trusted = getattr(transcoding, "decode_trusted", None)
                builders[name] = trusted or _trusted_attrs(kind, transcoding.decode)
            else:
                builders[name] = transcoding.decode
        self.builders = builders
        self._convert = _converter(builders)
        self.classes: dict[str, type[Any] | None] = {}

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

    def decode(self, n: Notification | StoredEvent) -> Any:
        """The domain event of a stored notification."""
        cls = self._class(n.topic) if self.plain else None
        if cls is None:
            return self.mapper.to_domain_event(n)
        state = self.decode_state(n.state)
        if "class_version" in state:
            return self.mapper.to_domain_event(n)
        originator_id = n.originator_id
        state["originator_id"] = (
            originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        )
        state["originator_version"] = n.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event


def _std_loads(raw: bytes | str) -> Any:
    return json.loads(raw.decode("utf8") if isinstance(raw, bytes | bytearray) else raw)


def _loads(raw: bytes | str) -> Any:
    """Parse JSON text (bytes or str) into plain Python values."""
    if _fast_loads is not None:
        try:
            return _fast_loads(raw)
        except ValueError:  # e.g. a lone surrogate escape, which the stdlib parser accepts
            pass
    return _std_loads(raw)


def _converter(builders: dict[str, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """Turn parsed JSON into the transcoder's values: every dict that is exactly
    ``{"_type_", "_data_"}`` becomes its transcoding's value, innermost first (what the
    transcoder's ``object_hook`` does); lists and other dicts are converted in place."""

    def convert(value: Any) -> Any:
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                data = value["_data_"]
                if type(data) is dict or type(data) is list:
                    data = convert(data)
                return builders[value["_type_"]](data)
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = convert(item)
            return value
        if type(value) is list:
            for i, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[i] = convert(item)
        return value

    return convert
