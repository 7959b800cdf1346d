"""A worker hands its share's documents to the parent as columns: what arrives is what it
drafted, document for document, whatever their kinds, periods, credits and currencies."""

from __future__ import annotations

import pickle
from datetime import date
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from q2c_core import Money, Period
from q2c_core.billing_run import PostedDocument, _ShareResult
from q2c_core.domain.invoice import InvoiceKind

periods = st.one_of(
    st.none(),
    st.builds(
        lambda start, days: Period(start, date.fromordinal(start.toordinal() + days)),
        st.dates(date(2000, 1, 1), date(2090, 1, 1)),
        st.integers(0, 400),
    ),
)
nets = st.builds(
    Money.of,
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    st.sampled_from(["EUR", "USD", "CHF"]),
)
documents = st.builds(
    PostedDocument,
    invoice_id=st.uuids(),
    contract_id=st.uuids(),
    kind=st.sampled_from(InvoiceKind),
    period=periods,
    credits_invoice_id=st.one_of(st.none(), st.uuids()),
    net=nets,
    line_count=st.integers(1, 500),
)


@given(st.lists(st.tuples(st.integers(1, 2**62), documents), max_size=30))
def test_a_share_s_documents_reach_the_parent_as_drafted(
    drafted: list[tuple[int, PostedDocument]],
) -> None:
    """Packed, pickled across the process boundary and unpacked, every document equals the one
    the worker drafted (ids, kind, period, credited invoice, net to the cent and currency, line
    count), with its log position, in the same order."""
    share = _ShareResult(len(drafted), drafted, [(1, UUID(int=7))], 2 * len(drafted), 1)
    arrived = pickle.loads(pickle.dumps(share.for_parent()))
    assert arrived.documents == []  # only the columns travel
    assert list(arrived.posted()) == drafted
    assert arrived.result(date(2025, 2, 1)) == share.result(date(2025, 2, 1))
