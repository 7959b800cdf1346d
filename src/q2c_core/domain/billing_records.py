"""What a billing run records on a contract: which period was billed, by which invoice, on what.

A period's charge is a pure function of the contract's history (``billing.charge_period``), so the
contract records, per billing period, the invoice that billed it and the contract version whose
state was billed (its *basis*). The next run recomputes the slices billed on that basis, compares
them with what today's history charges, and bills or credits exactly the days that differ; after a
correction the basis moves to the version it was corrected at.

Each correction is kept on the period with the basis it started from and the documents it drafted
(credit notes and/or an extra-lines invoice), so voiding a correction's documents rolls the basis
back to before that correction and the next run bills or credits exactly those days again. Days
a correction takes back from an invoice that billed them at 0.00 only (a free sub-contract
re-priced or removed afterwards) get no credit note, which would move no money and take a number
of the credit-note series: the correction keeps them as ``SupersededDays`` instead, and they are
given back with it.

Which document bills which day is not recorded here: the documents' lines name their sub-contract
and days, so a run reads them from the period invoice and its corrections' documents (less the
days its corrections superseded), and credits each day against the document that bills it now
(the period invoice, or an earlier correction's extra-lines invoice), one credit note per invoice
credited.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import attrs

from q2c_core.domain.errors import RuleViolated
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period


@attrs.frozen
class BilledSlice:
    """Days of one sub-contract inside one billing period, at one annual price.

    ``days`` and ``period_days`` are counted under the contract's day-count convention; their
    ratio is the proration fraction. ``amount`` is the rounded charge of these days.
    """

    sub_id: str
    period: Period
    annual_price: Money
    days: int
    period_days: int
    amount: Money


def _ids(value: Iterable[UUID]) -> tuple[UUID, ...]:
    return tuple(value)


@attrs.frozen
class SupersededDays:
    """Days of a sub-contract that an invoice billed at 0.00, taken back by a correction with no
    credit note: every line the correction would credit on that invoice is 0.00, so a credit
    note would move no money and only take a number of the credit-note series.

    The days are taken back all the same, as a credit note's line takes them back: the invoice
    no longer names them (a re-billing names them now, or no document does, a free day), and
    a later correction does not credit them again.
    """

    invoice_id: UUID
    sub_id: str
    period: Period


def _superseded(value: Iterable[SupersededDays]) -> tuple[SupersededDays, ...]:
    return tuple(value)


@attrs.frozen
class BilledCorrection:
    """One correction of a billed period: the basis it corrected from and to, and its documents.

    The documents (credit notes, one per invoice credited, and an extra-lines invoice) together
    bring what was billed on ``from_basis`` to what ``to_basis`` charges; they stand or fall
    together. ``superseded`` are the days it took back from invoices that billed them at 0.00
    only, with no credit note (``SupersededDays``): they fall with its documents.
    """

    from_basis: int
    to_basis: int
    document_ids: tuple[UUID, ...] = attrs.field(converter=_ids)
    superseded: tuple[SupersededDays, ...] = attrs.field(default=(), converter=_superseded)


def _corrections(value: Iterable[BilledCorrection]) -> tuple[BilledCorrection, ...]:
    return tuple(value)


@attrs.frozen
class BilledPeriod:
    """One billing period of a contract, the invoice that billed it, and the version billed.

    ``basis_version`` is the contract version whose state the invoice and any later corrections
    add up to: ``charge_period`` on the contract at that version gives the slices billed so far.
    ``corrections`` are the corrections since the invoice, oldest first.

    ``invoice_id`` is None for a period that charged nothing when it was billed (every covered
    day free, e.g. after a renewal at -100 %): it is covered all the same, so no run bills it
    again, but no invoice was drafted for it (a 0.00 invoice would only take an invoice number).
    A later change that makes its days charge is billed by a correction's extra-lines invoice.
    """

    period: Period
    invoice_id: UUID | None
    basis_version: int
    corrections: tuple[BilledCorrection, ...] = attrs.field(default=(), converter=_corrections)

    def correction_of(self, document_id: UUID) -> int | None:
        """Index of the latest correction that drafted a document, or None."""
        for i in range(len(self.corrections) - 1, -1, -1):
            if document_id in self.corrections[i].document_ids:
                return i
        return None


class CorrectionsOutstanding(RuleViolated):
    """A billing-run document cannot be voided while later corrections of its period stand.

    ``value`` (and ``corrections``) names the correction documents to void (or credit) first.
    """

    def __init__(self, rule: str, *, aggregate_id: UUID, corrections: Iterable[UUID]) -> None:
        self.corrections = tuple(corrections)
        super().__init__(
            rule, field="invoice_id", aggregate_id=aggregate_id, value=self.corrections
        )


def period_key(period: Period) -> str:
    """The key of a billing period in a contract's state (JSON keys must be strings)."""
    return f"{period.start.isoformat()}/{period.end.isoformat()}"
