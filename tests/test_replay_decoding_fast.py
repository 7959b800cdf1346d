"""The replay decoder's fast paths give exactly what the application's mapper gives: cached
values, readers compiled per stored shape, events decoded from the reader's plain rows, and
the general path whenever a stored value is not in the form a fast path expects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic
from hypothesis import given, settings
from hypothesis import strategies as st
from test_projections_story import story
from test_transcoding_roundtrip import Box, values

import q2c_core.projections.decoding as decoding
from q2c_core import QuoteToCash
from q2c_core.projections.decoding import TrustedDecoder, uuid_of
from q2c_core.projections.reader import NotificationReader

APP = QuoteToCash.open("memory:")


def same(fast: Any, slow: Any) -> None:
    """Equal, the same types, the same reprs (Decimal exponents), attribute for attribute."""
    assert type(fast) is type(slow)
    assert vars(fast) == vars(slow)
    assert repr(vars(fast)) == repr(vars(slow))
    for key, value in vars(slow).items():
        assert type(vars(fast)[key]) is type(value), key


def stored_events(*items: Any) -> list[StoredEvent]:
    box = Box()
    for item in items:
        box.put(item)
    return [APP.mapper.to_stored_event(e) for e in box.collect_events()]


def as_row(s: StoredEvent, nid: int = 1) -> tuple[int, Any, int, str, Any]:
    """A reader's row of a stored event, with the originator id as SQLite keeps it."""
    oid = s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id
    return (nid, oid, s.originator_version, s.topic, s.state)


def row_to_stored(row: tuple[int, Any, int, str, Any]) -> StoredEvent:
    oid = UUID(row[1]) if isinstance(row[1], str) else row[1]
    return StoredEvent(oid, row[2], row[3], row[4])


@settings(max_examples=150, deadline=None)
@given(value=values, again=values)
def test_events_from_rows_are_the_mappers_events(value: Any, again: Any) -> None:
    """Every value type, decoded twice (the second time from the caches) and next to another
    value, from a reader's row: the mapper's event, and the originator id's hex."""
    decoder = TrustedDecoder(APP)
    for s in stored_events(value, again, value):
        for _ in range(2):
            event, oid = decoder.decode_row(as_row(s), row_to_stored)
            same(event, APP.mapper.to_domain_event(s))
            assert oid == s.originator_id.hex


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=6))
def test_small_caches_emptied_when_full_change_nothing(
    items: list[Any],
) -> None:
    limit = decoding.CACHE_LIMIT
    decoding.CACHE_LIMIT = 2
    try:
        decoder = TrustedDecoder(APP)
        for s in stored_events(*items) * 2:
            same(decoder.decode_row(as_row(s), row_to_stored)[0], APP.mapper.to_domain_event(s))
            same(decoder.decode(s), APP.mapper.to_domain_event(s))
    finally:
        decoding.CACHE_LIMIT = limit


def mapper_or_error(s: StoredEvent) -> tuple[str, Any]:
    try:
        return "ok", APP.mapper.to_domain_event(s)
    except Exception as error:  # the mapper's own refusal
        return "error", type(error)


def plain_or_error(decoder: TrustedDecoder, s: StoredEvent) -> tuple[str, Any]:
    """The general path alone: every tagged value converted innermost first by its builder
    (no cache, no compiled reader), as the decoder did before its fast paths."""

    def convert(value: Any) -> Any:
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return decoder.builders[value["_type_"]](convert(value["_data_"]))
            return {k: convert(v) for k, v in value.items()}
        if type(value) is list:
            return [convert(v) for v in value]
        return value

    try:
        state = convert(json.loads(s.state))
    except Exception as error:
        return "error", type(error)
    state["originator_id"] = s.originator_id
    state["originator_version"] = s.originator_version
    event = object.__new__(resolve_topic(s.topic))
    event.__dict__.update(state)
    return "ok", event


def decoder_or_error(decoder: TrustedDecoder, s: StoredEvent) -> tuple[str, Any]:
    try:
        return "ok", decoder.decode_row(as_row(s), row_to_stored)[0]
    except Exception as error:
        return "error", type(error)


def altered(s: StoredEvent, change: Any) -> StoredEvent:
    state = json.loads(s.state)
    change(state)
    return StoredEvent(s.originator_id, s.originator_version, s.topic, json.dumps(state).encode())


def _line_data(state: dict[str, Any]) -> dict[str, Any]:
    return state["value"]["_data_"]  # type: ignore[no-any-return]


ODD_CHANGES = {
    "a field the class does not have": lambda st: _line_data(st).update(extra="x"),
    "a required field missing": lambda st: _line_data(st).pop("line_id"),
    "an amount as a number": lambda st: _line_data(st).update(quantity=3),
    "a text field holding a number": lambda st: _line_data(st).update(description=7),
    "a nested value untagged": lambda st: _line_data(st).update(source={"kind": "WORK"}),
    "a nested value of another class": lambda st: _line_data(st).update(
        source={"_type_": "q2c.Money", "_data_": "1 EUR"}
    ),
    "a tuple of entry ids as text": lambda st: _line_data(st)["source"]["_data_"].update(
        time_entry_ids="t1"
    ),
    "a tuple holding a number": lambda st: _line_data(st)["source"]["_data_"].update(
        time_entry_ids=["t1", 2]
    ),
    "a field in another order": lambda st: st["value"].update(
        _data_=dict(reversed(list(_line_data(st).items())))
    ),
    "the plain form": lambda st: st["value"].update(
        _data_=[dict(_line_data(st), revenue_kind={"_type_": "q2c.RevenueKind", "_data_": "WORK"})]
    ),
    "a null where a default is": lambda st: _line_data(st).update(price_reason=None),
}


@pytest.mark.parametrize("change", list(ODD_CHANGES), ids=list(ODD_CHANGES))
def test_values_off_the_compact_form_take_the_general_path(change: str) -> None:
    """A stored value the compiled readers do not expect gives what the mapper gives (or the
    decoder refuses it as the mapper does)."""
    from q2c_core import InvoiceLine, LineSource, Money, RevenueKind, SourceKind, TaxRate

    line = InvoiceLine(
        "L1",
        "work",
        2,
        Money.of("100", "EUR"),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=UUID(int=7), time_entry_ids=("t0",), hours=2),
        RevenueKind.ENHANCEMENT,
    )
    (_, put) = stored_events(line)
    odd = altered(put, ODD_CHANGES[change])
    decoder = TrustedDecoder(APP)
    for _ in range(2):  # compiled once, then reused
        plain, got = plain_or_error(decoder, odd), decoder_or_error(decoder, odd)
        assert got[0] == plain[0]
        if plain[0] == "ok":
            same(got[1], plain[1])
        else:
            assert got[1] is plain[1]
        checked = mapper_or_error(odd)
        if checked[0] == "ok":  # (trusting, the decoder may accept what the mapper refuses)
            same(got[1], checked[1])


@given(st.uuids())
def test_uuid_of_is_uuid(value: UUID) -> None:
    for text in (value.hex, value.hex.upper(), str(value), "{" + str(value) + "}"):
        fast = uuid_of(text)
        assert fast == UUID(text) and type(fast) is UUID
        assert (fast.int, fast.is_safe, fast.hex) == (UUID(text).int, UUID(text).is_safe, value.hex)


@pytest.mark.parametrize("text", ["", "x" * 32, "0" * 31 + "g", "0" * 33, "urn:uuid:" + "0" * 23])
def test_uuid_of_refuses_what_uuid_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        UUID(text)
    with pytest.raises(ValueError):
        uuid_of(text)


@pytest.fixture(params=["sqlite", "postgres"])
def story_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuoteToCash]:
    if request.param == "sqlite":
        app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
        story(app)
        yield app
        app.close()
        return
    require_postgres()
    schema = new_pg_schema()
    try:
        app = QuoteToCash.open(pg_url(schema))
        story(app)
        yield app
        app.close()
    finally:
        drop_pg_schema(schema)


def test_a_story_read_as_rows_is_the_mappers_story(story_app: QuoteToCash) -> None:
    """Every event of a full story, read by the reader on the real backend (text ids on SQLite,
    UUIDs on PostgreSQL): the mapper's event, and the originator id's hex."""
    reader = NotificationReader(story_app.recorder)
    decoder = TrustedDecoder(story_app)
    rows = reader.select(1, 10_000)
    notifications = story_app.recorder.select_notifications(1, 10_000)
    assert len(rows) == len(notifications) > 50
    for row, n in zip(rows, notifications, strict=True):
        event, oid = decoder.decode_row(row, reader.as_notification)
        same(event, story_app.mapper.to_domain_event(n))
        assert oid == n.originator_id.hex


def _learned(decoder: TrustedDecoder, s: StoredEvent) -> None:
    decoder.decode_row(as_row(s), row_to_stored)
    assert decoder.templates.get(s.topic), "a template is learned from the first text"


def _with_state(s: StoredEvent, text: str) -> StoredEvent:
    return StoredEvent(s.originator_id, s.originator_version, s.topic, text.encode())


# texts next to a learned template's shape: each must be read by the general path (or refused
# as the general path refuses it)
NEAR_MISSES = {
    "an escaped quote in a text": ('"worker":"w1"', '"worker":"w\\"1"'),
    "a unicode escape in a text": ('"worker":"w1"', '"worker":"\\u00e9"'),
    "a non-ASCII text": ('"worker":"w1"', '"worker":"é ü"'),
    "a space after a colon": ('"worker":"w1"', '"worker": "w1"'),
    "a number where a text was": ('"worker":"w1"', '"worker":1'),
    "null where a text was": ('"worker":"w1"', '"worker":null'),
    "a flag flipped": ('"billable":false', '"billable":true'),
    "hours with an exponent": ('"hours":"2.5"', '"hours":"25E-1"'),
    "a key added": ('"billable":false}}}', '"billable":false}},"extra":1}'),
    "a field the class has, added": ('"billable":false}', '"billable":false,"note":"n"}'),
    "a field the class does not have, added": ('"billable":false}', '"billable":false,"x":1}'),
    "a field left out (its default)": (',"billable":false}', "}"),
    "keys swapped": ('"worker":"w1","work_date"', '"work_date"'),
    "a raw control character": ('"worker":"w1"', '"worker":"w\x011"'),
}


@pytest.mark.parametrize("case", list(NEAR_MISSES), ids=list(NEAR_MISSES))
def test_texts_off_a_learned_template_take_the_general_path(case: str) -> None:
    from datetime import date
    from decimal import Decimal

    from q2c_core import Money, TimeEntry

    entry = TimeEntry("t1", "w1", date(2024, 5, 2), Decimal("2.5"), Money.of("100", "EUR"), False)
    box = Box()
    box.put(entry)
    (_, put) = [APP.mapper.to_stored_event(e) for e in box.collect_events()]
    text = put.state.decode()
    original = _with_state(put, text)
    old, new = NEAR_MISSES[case]
    assert old in text, (old, text)
    odd = _with_state(put, text.replace(old, new, 1))
    decoder = TrustedDecoder(APP)
    _learned(decoder, original)
    for _ in range(2):  # (it may learn a second template from the odd text: then use it)
        plain, got = plain_or_error(decoder, odd), decoder_or_error(decoder, odd)
        assert got[0] == plain[0], (got, plain)
        if plain[0] == "ok":
            same(got[1], plain[1])
    # and the original still reads as the general path reads it
    same(decoder_or_error(decoder, original)[1], plain_or_error(decoder, original)[1])


@settings(max_examples=80, deadline=None)
@given(st.lists(values, min_size=1, max_size=3), st.lists(values, min_size=1, max_size=3))
def test_templates_learned_from_some_events_read_others_as_the_mapper(
    first: list[Any], then: list[Any]
) -> None:
    """Templates learned from one set of events (any shapes, up to the per-topic limit) and
    then used on another: every event is still the mapper's."""
    decoder = TrustedDecoder(APP)
    for s in stored_events(*first):
        decoder.decode_row(as_row(s), row_to_stored)
    for s in stored_events(*then, *first):
        same(decoder.decode_row(as_row(s), row_to_stored)[0], APP.mapper.to_domain_event(s))


def test_integers_beyond_64_bits_stay_integers() -> None:
    """orjson reads such a number as a float; the decoder hands those texts to the standard
    library's parser, as the mapper reads them."""
    decoder = TrustedDecoder(APP)
    for s in stored_events(2**70, -(2**65), 10**19, [2**64, "x:12345678901234567890"]):
        for _ in range(2):  # (the second time after a template may have been learned)
            same(decoder.decode(s), APP.mapper.to_domain_event(s))
            same(decoder.decode_row(as_row(s), row_to_stored)[0], APP.mapper.to_domain_event(s))
