"""A bank statement is read against every invoice number of the store. Numbers whose letters a
bank cannot read (a year prefix, 2024-000123, the commonest numbering in Europe; #000123) are
found only quoted as printed, and each credit's remittance was scanned once for every one of
them: 2,000 credits against 50,000 such invoices took a minute inside the import's one
transaction, where INV-000123 numbers take a fraction of a second. They are looked up by the
runs of letters and digits they hold now, finding exactly what the scan found."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core import InvoiceNumberIndex
from q2c_core.domain.remittance import _JOINERS, _is_word, _read, _runs


def scanned(known: Iterable[str], text: str) -> list[str]:
    """What the index found when it scanned the text for every number quoted as printed."""
    by_norm: dict[str, str] = {}
    as_printed: dict[str, str] = {}
    max_runs = 4
    for number in known:
        printed = _read(number)
        runs = _runs(printed)
        key = "".join(printed[a:b] for a, b in runs)
        if not key:
            continue
        if key.isdigit() and not number.isdigit():
            as_printed[printed] = number
            continue
        by_norm[key] = number
        max_runs = max(max_runs, len(runs))
        gaps = [printed[a[1] : b[0]] for a, b in pairwise(runs)]
        if any(len(gap) != 1 or gap not in _JOINERS for gap in gaps):
            as_printed[printed] = number
    text = _read(text)
    runs = _runs(text)
    mentioned: list[tuple[int, str]] = []
    i = 0
    while i < len(runs):
        joined, best = "", None
        for k in range(i, min(i + max_runs, len(runs))):
            if k > i:
                gap = text[runs[k - 1][1] : runs[k][0]]
                if len(gap) != 1 or gap not in _JOINERS:
                    break
            joined += text[runs[k][0] : runs[k][1]]
            if joined in by_norm:
                best = (k, by_norm[joined])
        if best is None:
            i += 1
            continue
        mentioned.append((runs[i][0], best[1]))
        i = best[0] + 1
    for printed, number in as_printed.items():
        at = text.find(printed)
        while at >= 0:
            end = at + len(printed)
            before = at > 0 and _is_word(printed[0]) and _is_word(text[at - 1])
            after = end < len(text) and _is_word(printed[-1]) and _is_word(text[end])
            if not before and not after:
                mentioned.append((at, number))
            at = text.find(printed, at + 1)
    found: list[str] = []
    for _, number in sorted(mentioned, key=lambda m: m[0]):
        if number not in found:
            found.append(number)
    return found


PIECES = st.sampled_from(
    ["1", "2", "12", "2024", "a", "INV", "#", "-", "/", ".", " ", "../", "\u2013", "Ŀ", "·"]
)
NUMBER = st.lists(PIECES, min_size=1, max_size=5).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    known=st.lists(NUMBER, max_size=6),
    text=st.lists(st.one_of(PIECES, NUMBER), max_size=12).map("".join),
)
def test_the_numbers_found_are_those_a_scan_of_the_text_finds(known: list[str], text: str) -> None:
    assert InvoiceNumberIndex(known).find(text) == scanned(known, text)


def test_a_year_numbered_invoice_is_found_among_fifty_thousand() -> None:
    """The remittance of 300 credits is read against 50 and against 50,000 invoices numbered
    2024-000001 on: each names its own invoice, and none of the others. (The speed, by the
    text's length and not by the invoices known, is a figure of ``benchmarks/``, not a timed
    assertion here: the scan this replaced took a thousand times as long at 50,000.)"""
    texts = [f"Rechnung 2024-{n:06d} Kundennr. 4711, vielen Dank" for n in range(1, 301)]
    for count in (50, 50_000):
        index = InvoiceNumberIndex(f"2024-{n:06d}" for n in range(1, count + 1))
        for n, text in enumerate(texts, start=1):
            assert index.find(text) == ([f"2024-{n:06d}"] if n <= count else []), text
