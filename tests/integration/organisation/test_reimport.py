"""Re-importing the organisation: moved members are moved, removed ones deactivated, and
their open tickets handed over (to the backup, else back to the cadre), recorded as
events and delivered to the people concerned through the outbox."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli.orgtasks import import_org
from bot.jobs.outbox import OutboxSender
from delivery.notifier import Notifier
from delivery.offline import RecordingSession, make_offline_bot
from storage.models import AuditEntry, OutboxMessage, Staff, Ticket, TicketEvent
from tests.conftest import (
    BACKUP,
    CADRE,
    EXAMPLE_ORG,
    FAR_CADRE,
    MEMBER,
    RESIDENT,
    STAFF_IDS,
)
from tests.support.progress import Calls
from tickets.errors import NotAllowed, NotFound
from tickets import outbox
from tickets.reports import Report
from tickets.views import NoticeKind

REPORT = "3号楼2单元楼道堆满杂物，堵住了消防通道"


async def open_ticket(core, grid: str, telegram_id: int = RESIDENT.id, message_id: int = 1) -> int:
    await core.service.join(telegram_id, grid, "张阿姨")
    outcome = await core.service.report(Report(telegram_id, telegram_id, message_id, REPORT, "张阿姨"))
    for n in outcome.notices:  # the handler acknowledged the report at once
        if n.kind == NoticeKind.REPORTED:
            await outbox.mark(core.session_factory, n.outbox_id, "sent", core.service.clock(), final=True)
    return outcome.ticket.id


def edited(tmp_path, *replacements):
    text = EXAMPLE_ORG.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path


MOVE_SUN_TO_WT03 = [
    ('member = { telegram_id = 720101, name = "孙网格" }', 'member = { telegram_id = 720199, name = "新网格" }'),
    ('member = { telegram_id = 720301, name = "吴网格" }', 'member = { telegram_id = 720101, name = "孙网格" }'),
]


async def rows(core, model, *where):
    async with core.session_factory() as s:
        return (await s.execute(select(model).where(*where).order_by(model.id))).scalars().all()


async def handed_over(core):
    """What the hand-over queued for the running bot (the report's own card was queued
    already claimed, by the command that sends it at once)."""
    return await rows(core, OutboxMessage, OutboxMessage.claimed_at.is_(None), OutboxMessage.sent_at.is_(None))


async def test_a_moved_member_is_moved_and_their_open_ticket_goes_to_the_backup(core, settings, tmp_path):
    ticket_id = await open_ticket(core, "WT01")
    (sun_before,) = await rows(core, Staff, Staff.telegram_id == MEMBER.id)
    report = await import_org(settings, edited(tmp_path, *MOVE_SUN_TO_WT03))
    assert any("孙网格: WT01 → WT03" in m for m in report.moved)
    (sun,) = await rows(core, Staff, Staff.telegram_id == MEMBER.id)
    assert sun.id == sun_before.id and sun.active, "the same row, not a duplicate"
    assert [h.to_name for h in report.handed_over] == ["李备岗"]
    (ticket,) = await rows(core, Ticket, Ticket.id == ticket_id)
    (backup,) = await rows(core, Staff, Staff.telegram_id == BACKUP.id, Staff.unit_id == ticket.grid_id)
    assert ticket.state == "dispatched" and ticket.assignee_id == backup.id
    event = (await rows(core, TicketEvent, TicketEvent.ticket_id == ticket_id))[-1]
    assert (event.action, event.actor_kind, event.data["handover"]) == ("reassign", "system", True)
    queued = await handed_over(core)
    assert {(m.chat_id, m.kind) for m in queued} == {(BACKUP.id, "new_task"), (RESIDENT.id, "reassigned_resident")}
    # The moved member no longer reaches the grid they left.
    with pytest.raises((NotAllowed, NotFound)):
        await core.service.accept(MEMBER.id, ticket_id)
    await core.service.accept(BACKUP.id, ticket_id)


async def test_a_removed_member_without_backup_returns_their_ticket_to_the_cadre(core, settings, tmp_path):
    ticket_id = await open_ticket(core, "FL01")
    path = edited(tmp_path, ('member = { telegram_id = 730101, name = "王网格" }\n', ""))
    report = await import_org(settings, path)
    assert any("王网格" in d for d in report.deactivated)
    assert [h.returned for h in report.handed_over] == [True]
    (ticket,) = await rows(core, Ticket, Ticket.id == ticket_id)
    assert ticket.state == "returned" and ticket.assignee_id is None and "王网格" in ticket.return_reason
    queued = {(m.chat_id, m.kind) for m in await handed_over(core)}
    assert queued == {(FAR_CADRE.id, "returned"), (RESIDENT.id, "returned_resident")}
    audit = (await rows(core, AuditEntry, AuditEntry.action == "org.import"))[-1]
    assert audit.data["returned"] == 1 and audit.actor_name.startswith("cli")
    # Importing the same file again hands nothing over twice.
    assert not (await import_org(settings, path)).changed
    assert len(await handed_over(core)) == 2


async def test_the_running_bot_delivers_the_outbox_once(core, settings, tmp_path):
    await open_ticket(core, "WT01")
    await import_org(settings, edited(tmp_path, *MOVE_SUN_TO_WT03))
    # staff started the bot when invited; the resident reported (through the service)
    session = RecordingSession(reachable=(*STAFF_IDS, RESIDENT.id))
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000)
    sender = OutboxSender(core.session_factory, notifier, core.tz, clock=core.service.clock)
    later = core.service.clock() + timedelta(minutes=10)  # past the lease of the report's own card
    try:
        assert await sender.deliver_once(later) == 2
        (card,) = session.sent(chat_id=BACKUP.id)
        assert "工单 #1" in card.text and "签收" in str(card.data.get("reply_markup"))
        assert "李备岗" in session.sent(chat_id=RESIDENT.id)[0].text
        assert await sender.deliver_once(later) == 0
        async with core.session_factory() as s:
            unsent = (await s.execute(select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))))
            assert unsent.scalar_one() == 0
    finally:
        await notifier.aclose()
        await bot.session.close()


async def test_a_failed_send_stays_queued_for_the_next_sweep(core, settings, tmp_path):
    await open_ticket(core, "FL01")
    await import_org(settings, edited(tmp_path, ('member = { telegram_id = 730101, name = "王网格" }\n', "")))
    # staff started the bot when invited; the resident reported (through the service)
    session = RecordingSession(reachable=(*STAFF_IDS, RESIDENT.id))
    bot = make_offline_bot(session)
    notifier = Notifier(bot, per_chat_interval=0, global_per_s=1_000_000, max_retries=0)
    # A passing failure (Telegram's 5xx); "chat not found" would mean unreachable, which is final.
    session.fail_next("sendMessage", status=500, description="Internal Server Error", chat_id=FAR_CADRE.id)
    sender = OutboxSender(core.session_factory, notifier, core.tz, clock=core.service.clock)
    try:
        assert await sender.deliver_once() == 1  # the resident's
        assert await sender.deliver_once() == 0  # the cadre's is leased: not retried at once
        later = core.service.clock() + timedelta(minutes=10)
        assert await sender.deliver_once(later) == 1  # the cadre's, after the lease
    finally:
        await notifier.aclose()
        await bot.session.close()


async def test_cadre_moves_between_communities_in_place(core, settings, tmp_path):
    path = edited(tmp_path, ('cadres = [{ telegram_id = 710001, name = "钱书记" }]', "cadres = []"),
                  ('cadres = [{ telegram_id = 710002, name = "郑主任" }]',
                   'cadres = [{ telegram_id = 710002, name = "郑主任" }, { telegram_id = 710001, name = "钱书记" }]'))
    report = await import_org(settings, path)
    assert report.moved == ["community_cadre 钱书记: XF-WT → XF-FL"]
    assert len(await rows(core, Staff, Staff.telegram_id == CADRE.id)) == 1


async def test_a_reimport_reports_progress_up_to_its_hand_overs(core, settings, tmp_path):
    await open_ticket(core, "WT01")
    calls = Calls()
    report = await import_org(settings, edited(tmp_path, *MOVE_SUN_TO_WT03), on_progress=calls)
    assert len(report.handed_over) == 1
    calls.assert_monotonic_to_total()
    units = calls[0][1] - 1  # every unit of the file, then the staff
    # and a hand-over for each who leaves a post: 孙网格 (WT01, with the ticket) and 吴网格 (WT03)
    assert calls[-1] == (units + 3, units + 3)
