"""`q2c report --help` (and explain's, replay's) said of --as-of only "(ISO 8601, UTC)": an
auditor could not tell that --as-of 2026-03-31 takes every event recorded on 31 March (the end
of that day), nor that a time with an offset is taken and turned to UTC."""

from __future__ import annotations

from test_cli_help_keeps_placeholders import help_text


def test_the_auditor_reads_what_a_date_alone_means_as_of() -> None:
    """--as-of 2026-03-31 takes every event recorded on 31 March (the end of that day, UTC),
    and a time with an offset is turned to UTC: the help said only "(ISO 8601, UTC)"."""
    for command in (("report",), ("explain",), ("replay",)):
        text = " ".join(help_text(*command).split())
        assert "a date alone: the end of that day" in text, command
        assert "UTC unless it gives an offset" in text, command
