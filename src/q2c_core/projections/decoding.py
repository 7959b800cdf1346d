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
        self._json = json.JSONDecoder(object_hook=self._hook)
        self.classes: dict[str, type[Any] | None] = {}

    def _hook(self, d: dict[str, Any]) -> Any:
        if len(d) == 2:
            try:
                return self.builders[d["_type_"]](d["_data_"])
            except KeyError:
                if "_type_" in d and "_data_" in d:
                    raise
        return d

    def _class(self, topic: str) -> type[Any] | None:
        try:
            return self.classes[topic]
        except KeyError:
            cls = resolve_topic(topic)
            usable = getattr(cls, "class_version", 1) == 1
            self.classes[topic] = cls if usable else None
            return self.classes[topic]

    def decode(self, n: Notification | StoredEvent) -> Any:
        """The domain event of a stored notification."""
        cls = self._class(n.topic) if self.plain else None
        if cls is None:
            return self.mapper.to_domain_event(n)
        raw = n.state
        state: dict[str, Any] = self._json.decode(
            raw.decode("utf8") if isinstance(raw, bytes | bytearray) else raw
        )
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
