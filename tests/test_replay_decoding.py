"""The replay's trusted decoder gives exactly the events the application's mapper gives."""

from __future__ import annotations

from pathlib import Path

from test_projections_story import story

from q2c_core import QuoteToCash
from q2c_core.projections import Follower, all_projections
from q2c_core.projections.decoding import TrustedDecoder


def test_trusted_decoding_equals_the_mapper(tmp_path: Path) -> None:
    """Every event of a full story: same class, same attributes, same values and types."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    decoder = TrustedDecoder(app)
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) > 50
    for n in notifications:
        expected = app.mapper.to_domain_event(n)
        got = decoder.decode(n)
        assert type(got) is type(expected)
        assert got.__dict__ == expected.__dict__, type(got).__qualname__
        for key, value in expected.__dict__.items():
            assert type(got.__dict__[key]) is type(value), (type(got).__qualname__, key)
    app.close()


def test_projections_are_the_same_with_either_decoder(tmp_path: Path) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    story(app)
    fast, slow = all_projections(), all_projections()
    Follower(app, fast).run()
    Follower(app, slow, trusted_decoding=False).run()
    for a, b in zip(fast, slow, strict=True):
        assert a.rows() == b.rows(), a.name
    app.close()
