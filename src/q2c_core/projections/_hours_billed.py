"""What was billed of each request's hours, net, as a cancelled fixed price counts it.

A cancelled fixed-price request owes its hours up to its agreed price less what was billed of
it (``QuoteToCash._fixed_price_room``): the net of the live invoice lines billing its hours,
less what re-billable credit notes gave back (``QuoteToCash._hours_billed``). What the lines
billed, not what the hours are worth: a capped invoice bills them below their worth on its cap
line, a goodwill rate below their rate. A written-off line stays billed: its money is given
back, its hours are not billable again, and the price does not take the write-off back
through the request's other hours.

Rows: ``hb:<invoice>`` for an invoice with lines billing a request's hours, each line's
request and net until voided or credited as re-billable; ``hbn:<note>`` for a re-billable
credit note of such an invoice until issued or voided; and on each request's ``req:<id>`` row
``hours_billed``, the net billed of its hours by currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from q2c_core.projections._facts import NET, invoice_facts
from q2c_core.projections.base import Projection, uuid_hex

# lines that bill no request's hours whatever they name (``QuoteToCash._bills_hours``)
_NOT_HOURS = ("ALLOWANCE_OVERAGE", "DEPOSIT", "DEPOSIT_DEDUCTION")


def bills_hours(source: Any) -> bool:
    """``QuoteToCash._bills_hours``: whether a line with this source bills its request's
    hours (a line naming its time entries, not their overage, an expense nor the fixed price;
    or a line of its work naming none, as the line capping them at the price)."""
    if source is None or source.request_id is None or source.fixed_price or source.expense_id:
        return False
    kind = source.kind._name_
    if kind in _NOT_HOURS:
        return False
    return bool(source.time_entry_ids) or kind == "WORK"


class HoursBilled(Projection):
    """Follows what is billed of each request's hours (the module docstring). Not handlers:
    the projection's own ``Invoice.Drafted``, ``Invoice.Voided`` and ``Invoice.Credited``
    handlers call these, and its requests' rows start ``hours_billed`` empty."""

    def _hours_drafted(self, e: Any, oid: str) -> None:
        """An invoice drafted: its lines billing requests' hours are billed. A re-billable
        credit note of such an invoice is remembered until it is issued (``Credited``)."""
        if e.kind._name_ == "CREDIT_NOTE":
            disposition = getattr(e, "credit_disposition", None)
            credited = getattr(e, "credits_invoice_id", None)
            if (
                disposition is not None
                and disposition._name_ == "REBILLABLE"
                and credited is not None
                and self.get(f"hb:{uuid_hex(credited.int)}") is not None
            ):
                self.put(f"hbn:{oid}", {"invoice": uuid_hex(credited.int)})
            return
        lines: dict[str, list[Any]] = {}
        for line, facts in zip(e.lines, invoice_facts(e).lines, strict=True):
            source = line.source
            if bills_hours(source):
                lines[line.line_id] = [uuid_hex(source.request_id.int), facts[NET]]
        if not lines:
            return
        self.put(f"hb:{oid}", {"currency": e.currency, "lines": lines})
        for rid, net in lines.values():
            self._hours_add(rid, e.currency, net)

    def _hours_voided(self, oid: str) -> None:
        """An invoice voided: what its lines billed of requests' hours is billed no more. A
        credit note voided gives nothing back."""
        for key in (f"hb:{oid}", f"hbn:{oid}"):
            row = self.get(key)
            if row is None:
                continue
            if key.startswith("hb:"):
                for rid, net in row["lines"].values():
                    self._hours_add(rid, row["currency"], -net)
            self.delete(key)

    def _hours_credited(self, e: Any, oid: str) -> None:
        """A credit note issued against the invoice: a re-billable one gives back what the
        lines it credits billed of requests' hours; a written-off one leaves them billed."""
        note_key = f"hbn:{uuid_hex(e.credit_note_id.int)}"
        if self.get(note_key) is None:
            return
        self.delete(note_key)
        row = self.touch(f"hb:{oid}")
        if row is None:
            return
        for line_id in e.line_ids:
            found = row["lines"].pop(line_id, None)
            if found is not None:
                self._hours_add(found[0], row["currency"], -found[1])
        if not row["lines"]:
            self.delete(f"hb:{oid}")

    def _hours_add(self, rid: str, currency: str, amount: Decimal) -> None:
        req = self.touch(f"req:{rid}")
        if req is None:  # (a line naming a request q2c never recorded)
            return
        billed = req["hours_billed"]
        left = billed.get(currency, Decimal(0)) + amount
        if left:
            billed[currency] = left
        else:
            billed.pop(currency, None)


def hours_billed(req: Any, currency: str) -> Decimal:
    """What is billed of a request row's hours in ``currency`` (``HoursBilled``)."""
    found: Decimal = req["hours_billed"].get(currency, Decimal(0))
    return found
