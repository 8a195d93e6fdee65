"""The rows of a ticket export (/export, `gridbot export tickets`): one query, plain data.

Times stay UTC here; the writer (documents.workbooks) shows them in local time. The reporter's
name and phone are never exported.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Rating, Staff, Ticket, Unit
from tickets.lifecycle import State

SATISFACTION = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}


@dataclass(frozen=True)
class ExportRow:
    id: int
    state: str
    category: str
    urgent: bool
    request_kind: str
    grid: str
    community: str
    assignee: str
    department: str
    created_at: datetime
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    accept_deadline: datetime | None
    resolve_deadline: datetime | None
    original_resolve_deadline: datetime | None
    reopen_count: int
    solved: str
    satisfaction: str
    merged_into: int | None
    text: str


# Column headings, in ExportRow's order.
HEADINGS = ("工单号", "状态", "类别", "紧急", "诉求类型", "网格", "社区", "处理人", "吹哨部门", "上报时间",
            "派单时间", "签收时间", "办结时间", "关闭时间", "签收时限", "办结时限", "原办结时限", "重办次数",
            "是否解决", "满意度", "合并至", "内容")
assert len(HEADINGS) == len(fields(ExportRow))


async def export_rows(
    session: AsyncSession, start: datetime, end: datetime, grid_ids: Iterable[int] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[ExportRow]:
    """Tickets reported in ``[start, end)``, oldest first, with their latest 回访 answer.
    ``where``: more conditions on Ticket (the command centre's list filters)."""
    grid, community, department = aliased(Unit), aliased(Unit), aliased(Unit)
    latest = (select(func.max(Rating.round)).where(Rating.ticket_id == Ticket.id)
              .correlate(Ticket).scalar_subquery())
    q = (
        select(Ticket, grid.name, community.name, community.kind, Staff.name, department.name,
               Rating.solved, Rating.satisfaction)
        .join(grid, grid.id == Ticket.grid_id)
        .outerjoin(community, community.id == grid.parent_id)
        .outerjoin(Staff, Staff.id == Ticket.assignee_id)
        .outerjoin(department, department.id == Ticket.department_id)
        .outerjoin(Rating, and_(Rating.ticket_id == Ticket.id, Rating.round == latest))
        .where(Ticket.created_at >= start, Ticket.created_at < end, *where)
        .order_by(Ticket.id)
    )
    if grid_ids is not None:
        q = q.where(Ticket.grid_id.in_(list(grid_ids)))
    out = []
    for t, grid_name, parent_name, parent_kind, assignee, department_name, solved, satisfaction in await session.execute(q):
        out.append(ExportRow(
            id=t.id, state=State(t.state).label, category=t.category, urgent=bool(t.urgent),
            request_kind=t.request_kind, grid=grid_name, community=parent_name if parent_kind == "community" else "",
            assignee=assignee or "", department=department_name or "", created_at=t.created_at,
            dispatched_at=t.dispatched_at, accepted_at=t.accepted_at, resolved_at=t.resolved_at,
            closed_at=t.closed_at, accept_deadline=t.accept_deadline, resolve_deadline=t.resolve_deadline,
            original_resolve_deadline=t.original_resolve_deadline, reopen_count=t.reopen_count,
            solved="" if solved is None else ("已解决" if solved else "未解决"),
            satisfaction=SATISFACTION.get(satisfaction or "", ""), merged_into=t.merged_into_id, text=t.text,
        ))
    return out
