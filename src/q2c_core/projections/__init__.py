"""The read side: projections built only from events, resumable, rebuildable by replay.

``all_projections(store)`` gives one of each; ``Follower`` keeps them current from the
application's notification log; ``rebuild`` builds them again from an empty start (as of a past
recording time when asked).
"""

from __future__ import annotations

from q2c_core.projections.awaiting_po import AreaHistory, AwaitingPurchaseOrder, AwaitingQuote
from q2c_core.projections.base import AGE_BUCKETS, Projection, age_bucket, handles
from q2c_core.projections.commissions import (
    DEFAULT_PLAN,
    CommissionLine,
    CommissionPlan,
    CommissionRate,
    Commissions,
    CommissionStatement,
    commission_on_running_total,
)
from q2c_core.projections.explain import events_behind
from q2c_core.projections.follower import Follower, catch_up, rebuild
from q2c_core.projections.kpis import Kpis, Utilisation, WorkerCustomerTime
from q2c_core.projections.prepaid import AllowanceUsage, PrepaidCreditUsage
from q2c_core.projections.receivables import AgingRow, OpenInvoice, ReceivablesAging, RefundOwed
from q2c_core.projections.revenue import (
    MonthForecast,
    MonthRevenue,
    RecognisedToDate,
    RecognitionLine,
    RecognitionStep,
    RevenueSchedule,
    ToDate,
    month_slices,
    ratable_by_month,
    recognised_through,
)
from q2c_core.projections.review import ReviewItem, ReviewMeeting
from q2c_core.projections.statement import (
    CustomerStatement,
    Statement,
    StatementAllocation,
    StatementBalance,
    StatementInvoice,
    StatementPayment,
    StatementRefund,
    StatementRefundOwed,
    StatementWriteOff,
)
from q2c_core.projections.store import ProjectionStore
from q2c_core.projections.unbilled import UnbilledItem, UnbilledRevenue, UnbilledTotals

PROJECTION_CLASSES: tuple[type[Projection], ...] = (
    UnbilledRevenue,
    PrepaidCreditUsage,
    Commissions,
    ReviewMeeting,
    AwaitingPurchaseOrder,
    ReceivablesAging,
    RevenueSchedule,
    Kpis,
    CustomerStatement,
)


def all_projections(
    store: ProjectionStore | None = None, *, plan: CommissionPlan = DEFAULT_PLAN
) -> list[Projection]:
    """One of every projection, on one store (a fresh in-memory one when none is given)."""
    store = store if store is not None else ProjectionStore.memory()
    result: list[Projection] = []
    for cls in PROJECTION_CLASSES:
        if cls is Commissions:
            result.append(Commissions(store, plan=plan))
        else:
            result.append(cls(store))
    return result


__all__ = [
    "AGE_BUCKETS",
    "DEFAULT_PLAN",
    "PROJECTION_CLASSES",
    "AgingRow",
    "AllowanceUsage",
    "AreaHistory",
    "AwaitingPurchaseOrder",
    "AwaitingQuote",
    "CommissionLine",
    "CommissionPlan",
    "CommissionRate",
    "CommissionStatement",
    "Commissions",
    "CustomerStatement",
    "Follower",
    "Kpis",
    "MonthForecast",
    "MonthRevenue",
    "OpenInvoice",
    "PrepaidCreditUsage",
    "Projection",
    "ProjectionStore",
    "ReceivablesAging",
    "RecognisedToDate",
    "RecognitionLine",
    "RecognitionStep",
    "RefundOwed",
    "RevenueSchedule",
    "ReviewItem",
    "ReviewMeeting",
    "Statement",
    "StatementAllocation",
    "StatementBalance",
    "StatementInvoice",
    "StatementPayment",
    "StatementRefund",
    "StatementRefundOwed",
    "StatementWriteOff",
    "ToDate",
    "UnbilledItem",
    "UnbilledRevenue",
    "UnbilledTotals",
    "Utilisation",
    "WorkerCustomerTime",
    "age_bucket",
    "all_projections",
    "catch_up",
    "commission_on_running_total",
    "events_behind",
    "handles",
    "month_slices",
    "ratable_by_month",
    "rebuild",
    "recognised_through",
]
