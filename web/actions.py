"""The ticket page's actions: 转派, 吹哨, 催办, 改类, 合并, 无效. Each calls the same workflow method
as its chat button (which checks the policy again and records the event), then sends the
same notices to the same people through handlers.shared.delivery, each in their language."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from handlers.shared.delivery import deliver, redraw_for
from handlers.shared.i18n import state_label
from supervision.overdue import NobodyToRemind, RemindedRecently
from tickets import outbox
from tickets.closing.reasons import INVALID_REASONS, cleaned
from tickets.errors import NotAllowed, NotFound, Stale, WorkflowError
from tickets.views import Notice, NoticeKind
from web import texts
from web.console import FORM, checked, console_of, redirect, visitor_of
from web.ticket import ticket_id


def _number(form, key: str) -> int | None:
    raw = str(form.get(key, ""))
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def refused(exc: WorkflowError) -> str:
    if isinstance(exc, NobodyToRemind):
        return texts.REFUSED["nobody"]
    if isinstance(exc, RemindedRecently):
        return texts.REFUSED["recently"]
    if isinstance(exc, Stale):
        return texts.REFUSED["stale"].format(state=state_label(exc.state))
    if isinstance(exc, NotAllowed):
        return texts.REFUSED["not_allowed"]
    if isinstance(exc, NotFound):
        return texts.REFUSED["not_found"]
    return texts.REFUSED["not_allowed"]


async def _run(console, name: str, telegram_id: int, tid: int, form):
    if name == "reassign":
        staff_id = _number(form, "staff_id")
        return None if staff_id is None else await console.service.reassign(telegram_id, tid, staff_id)
    if name == "escalate":
        unit_id = _number(form, "unit_id")
        return None if unit_id is None else await console.cadre.escalations.escalate(telegram_id, tid, unit_id)
    if name == "remind":
        return await console.cadre.supervision.remind(telegram_id, tid)
    if name == "recategorize":
        category = str(form.get("category", ""))
        if category not in console.categories:
            return None
        return await console.service.choose_category(telegram_id, tid, category, console.categories)
    if name == "merge":
        into = _number(form, "into")
        return None if into is None else await console.cadre.duplicates.merge(telegram_id, tid, into)
    if name == "invalidate":
        reason = invalid_reason(form)
        return None if reason is None else await console.service.invalidate(telegram_id, tid, reason)
    raise web.HTTPNotFound()


def invalid_reason(form) -> str | None:
    """无效's reason: the words typed (they win, as the chat's ✍️ does), else the one-tap
    reason picked by its index; None when neither is given."""
    typed = " ".join(str(form.get("reason_text", "")).split())
    if typed:
        return cleaned(typed)  # as the workflow stores it
    index = _number(form, "reason")
    return INVALID_REASONS[index] if index is not None and index < len(INVALID_REASONS) else None


@checked
async def act(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    name = request.match_info["action"]
    if name not in texts.ACTIONS:
        raise web.HTTPNotFound()
    tid = ticket_id(request)
    if tid is None:
        raise web.HTTPNotFound()
    telegram_id = visitor_of(request).actor.telegram_id
    try:
        await console.service.detail(telegram_id, tid)
    except NotFound:
        raise web.HTTPNotFound() from None  # not theirs to see: the same answer as no ticket at all
    try:
        outcome = await _run(console, name, telegram_id, tid, request[FORM])
    except WorkflowError as exc:
        return redirect(f"/tickets/{tid}?" + urlencode({"error": refused(exc)}))
    if outcome is None:
        return redirect(f"/tickets/{tid}?" + urlencode({"error": texts.REFUSED["bad_input"]}))
    # Stored first (the workflow committed), then told: in each recipient's own language.
    with console.i18n.context():
        await deliver(console.deps, outcome.notices)
        if name == "invalidate" and not outcome.replayed:
            # The cadre's own cards in chat about it lose their buttons, as if pressed there.
            closed = Notice(telegram_id, NoticeKind.INVALID_STAFF, outcome.ticket, invalid_reason(request[FORM]),
                            visitor_of(request).actor.name)
            await redraw_for(console.deps, closed)
            return redirect(f"/tickets/{tid}?" + urlencode({"done": name, **await _heard(console, outcome)}))
    return redirect(f"/tickets/{tid}?done={name}")


async def _heard(console, outcome) -> dict[str, str]:
    """After 无效: whether the resident got the reason, as the outbox recorded the send (told,
    unreached: blocked, later: left for the sweep), or erased: they deleted their data, nobody
    to tell; and whether another holder was told (staff)."""
    mine = [n for n in outcome.notices if n.kind == NoticeKind.INVALID_RESIDENT and n.chat_id
            and n.chat_id == outcome.ticket.resident_telegram_id]
    staff = "1" if any(n.kind == NoticeKind.INVALID_STAFF and n.chat_id for n in outcome.notices) else "0"
    if not mine:
        return {"told": "erased", "staff": staff}
    ids = [n.outbox_id for n in mine if n.outbox_id is not None]
    async with console.deps.service.sf() as session:
        found = {row.outcome for row in await outbox.rows(session, ids)} if ids else set()
    told = "told" if "sent" in found else "unreached" if "blocked" in found else "later"
    return {"told": told, "staff": staff}
