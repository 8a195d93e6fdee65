"""无效 from the command centre (issue 11): a cadre at a desk closes a ticket as 无效 with a
one-tap reason or their own words, through the chat's workflow, with its effects (the
resident hears the reason, the handler's card closes, the event is recorded, /overdue and the
figures count it apart); withdrawn and 无效 tickets show how they closed and offer nothing;
CSRF, jurisdiction and bad input are refused without a trace."""
from __future__ import annotations

from sqlalchemy import func, select

from delivery.scripted import buttons
from storage.models import OutboxMessage, Ticket, TicketEvent
from tests.conftest import CADRE, FAR_CADRE, MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT
from tests.e2e.residents.test_withdrawal import card_id, edits_of
from tests.support.web_kit import latest_ticket, sign_in, web_client
from tickets.closing.reasons import INVALID_REASONS

DISPUTE = INVALID_REASONS.index("私人纠纷")
OWN_WORDS = "民间借贷纠纷，  已建议走人民调解"


async def reported(chat, core) -> int:
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    return await latest_ticket(core)


async def ticket_events(core, ticket_id: int) -> list[TicketEvent]:
    async with core.session_factory() as s:
        q = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        return list((await s.execute(q)).scalars())


async def load(core, ticket_id: int) -> Ticket:
    async with core.session_factory() as s:
        return await s.get(Ticket, ticket_id)


async def invalidate(client, ticket_id: int, csrf: str, **form):
    return await client.post(f"/tickets/{ticket_id}/invalidate", data={"csrf": csrf, **form}, allow_redirects=False)


async def test_a_cadre_closes_a_ticket_as_invalid_with_the_chats_effects(chat, core):
    ticket_id = await reported(chat, core)
    card = card_id(chat, MEMBER)
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        page = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert 'id="act-invalidate"' in page and all(r in page for r in INVALID_REASONS)
        chat.session.clear()
        done = await invalidate(client, ticket_id, csrf, reason=str(DISPUTE))
        assert done.status == 303 and done.headers["Location"].startswith(f"/tickets/{ticket_id}?done=invalidate")
        flash = await (await client.get(done.headers["Location"])).text()
        assert "居民已收到原因" in flash and "处理人员已收到通知" in flash
        # The resident hears the reason and who decided, as from the chat's button.
        (told,) = chat.texts_to(RESIDENT)
        assert f"#{ticket_id}" in told and "无效" in told and "原因：私人纠纷" in told and CADRE.name in told
        # The grid member holding it is told once: their card closes without buttons, and one
        # line (who, why) says so, without the whole card again.
        (line,) = chat.session.sent(chat_id=MEMBER.id, method="sendMessage")
        assert "私人纠纷" in line.text and CADRE.name in line.text and REPORT[:8] not in line.text
        (closed,) = edits_of(chat.session.requests, MEMBER, card)
        assert "已判为无效" in closed.text and REPORT[:8] in closed.text and not buttons(closed)
        # Stored: the state, the event (who, from, to, why), the notices through the outbox.
        ticket = await load(core, ticket_id)
        assert ticket.state == "invalid" and ticket.closed_at is not None and ticket.next_check_at is None
        event = (await ticket_events(core, ticket_id))[-1]
        assert (event.action, event.actor_kind, event.actor_telegram_id, event.from_state, event.to_state,
                event.note) == ("invalidate", "staff", CADRE.id, "dispatched", "invalid", "私人纠纷")
        async with core.session_factory() as s:
            rows = (await s.execute(select(OutboxMessage.chat_id, OutboxMessage.kind, OutboxMessage.outcome)
                                    .where(OutboxMessage.kind.in_(["invalid_resident", "invalid_staff"]))
                                    .order_by(OutboxMessage.id))).all()
        assert rows == [(RESIDENT.id, "invalid_resident", "sent"), (MEMBER.id, "invalid_staff", "sent")]
        # The page shows how it closed, and offers no action any more.
        page = await (await client.get(f"/tickets/{ticket_id}?done=invalidate")).text()
        assert "已判为无效" in page and "无效原因" in page and "私人纠纷" in page and f"{CADRE.name} 判定" in page
        assert 'id="act-' not in page and "没有可执行的调度操作" in page
        # The lists: gone from 在办, in 无效·撤销 with who and why; the figures count it apart.
        assert f"#{ticket_id}<" not in await (await client.get("/tickets/rows")).text()
        closed_rows = await (await client.get("/tickets/rows?view=closed")).text()
        assert f"#{ticket_id}<" in closed_rows and "私人纠纷" in closed_rows and CADRE.name in closed_rows
        assert "无效·撤销 <b>1</b>" in await (await client.get("/tickets")).text()
        figures = await (await client.get("/figures")).text()
        assert '<div class="v">1</div><div class="k">无效</div>' in figures
        # Submitted again (a double click, a reload): nothing changes, nobody hears it twice.
        before = len(await ticket_events(core, ticket_id))
        chat.session.clear()
        again = await invalidate(client, ticket_id, csrf, reason=str(DISPUTE))
        assert again.status == 303 and "error" not in again.headers["Location"]
        assert chat.session.sent(method="sendMessage") == [] and len(await ticket_events(core, ticket_id)) == before
    # The cadre's /overdue in chat lists it, with who and why.
    (summary,) = chat.texts_to(CADRE, await chat.say(CADRE, "/overdue"))
    assert f"#{ticket_id}" in summary and f"{CADRE.name}：私人纠纷" in summary


async def test_the_flash_does_not_claim_a_resident_who_deleted_their_data_was_told(chat, core):
    ticket_id = await reported(chat, core)
    card = card_id(chat, MEMBER)
    await chat.say(RESIDENT, "/privacy")
    await chat.press(RESIDENT, "删除我的数据")
    await chat.press(RESIDENT, "确认删除")
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        chat.session.clear()
        done = await invalidate(client, ticket_id, csrf, reason=str(DISPUTE))
        flash = await (await client.get(done.headers["Location"])).text()
        assert "已判为无效" in flash and "居民已收到原因" not in flash and "没有人可以告知" in flash
        assert "处理人员已收到通知" in flash
    assert (await load(core, ticket_id)).state == "invalid"
    assert not chat.session.sent(chat_id=RESIDENT.id)
    # The grid member: one message and their card redrawn, not the 无效 card twice.
    (line,) = chat.session.sent(chat_id=MEMBER.id, method="sendMessage")
    assert "私人纠纷" in line.text and "工单卡片已更新" in line.text
    (closed,) = edits_of(chat.session.requests, MEMBER, card)
    assert "已判为无效" in closed.text and not buttons(closed)


async def test_the_flash_says_when_the_reason_did_not_reach_the_resident(chat, core):
    ticket_id = await reported(chat, core)
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        chat.session.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user",
                               chat_id=RESIDENT.id)
        done = await invalidate(client, ticket_id, csrf, reason=str(DISPUTE))
        flash = await (await client.get(done.headers["Location"])).text()
        assert "居民已收到原因" not in flash and "未能送达居民" in flash


async def test_own_words_win_and_a_missing_or_made_up_reason_changes_nothing(chat, core):
    ticket_id = await reported(chat, core)
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        chat.session.clear()
        # What the form sends untouched (nothing chosen, nothing typed) closes nothing; nor does a made-up index.
        for form in ({"reason": "", "reason_text": ""}, {}, {"reason": str(len(INVALID_REASONS))}, {"reason": "-1"},
                     {"reason": "测试"}, {"reason_text": "   "}):
            response = await invalidate(client, ticket_id, csrf, **form)
            assert response.status == 303 and "error=" in response.headers["Location"], form
        assert (await load(core, ticket_id)).state == "dispatched"
        assert chat.session.sent(method="sendMessage") == []
        await invalidate(client, ticket_id, csrf, reason=str(DISPUTE), reason_text=OWN_WORDS)
    event = (await ticket_events(core, ticket_id))[-1]
    assert event.action == "invalidate" and event.note == "民间借贷纠纷， 已建议走人民调解"
    (told,) = chat.texts_to(RESIDENT)
    assert "民间借贷纠纷， 已建议走人民调解" in told and "私人纠纷" not in told


async def test_the_cadres_own_returned_card_in_chat_closes_too(chat, core):
    ticket_id = await reported(chat, core)
    await chat.press(MEMBER, "退回")
    await chat.say(MEMBER, "不是本网格的事")
    card = card_id(chat, CADRE)  # returned: the cadre holds it, with 转派 and 吹哨
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        chat.session.clear()
        await invalidate(client, ticket_id, csrf, reason=str(INVALID_REASONS.index("不属于网格事项")))
    (closed,) = edits_of(chat.session.requests, CADRE, card)
    assert "已判为无效" in closed.text and "不属于网格事项" in closed.text and not buttons(closed)
    assert not [r for r in chat.session.sent(chat_id=CADRE.id, method="sendMessage")]  # edited, not told
    assert (await load(core, ticket_id)).state == "invalid"


async def test_a_withdrawn_ticket_shows_its_withdrawal_and_cannot_be_judged(chat, core):
    ticket_id = await reported(chat, core)
    await chat.press(RESIDENT, "撤销")
    await chat.press(RESIDENT, "确认撤销")
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        page = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert "已撤销" in page and "反映人于" in page and 'id="act-' not in page
        listing = await (await client.get("/tickets/rows?view=closed")).text()
        assert f"#{ticket_id}<" in listing and "反映人撤销" in listing and RESIDENT.name not in listing
        assert f"#{ticket_id}<" not in await (await client.get("/tickets/rows?view=closed&state=invalid")).text()
        assert f"#{ticket_id}<" in await (await client.get("/tickets/rows?view=closed&state=cancelled")).text()
        assert '<option value="cancelled"' in await (await client.get("/tickets?view=closed")).text()
        chat.session.clear()
        refused = await invalidate(client, ticket_id, csrf, reason="0")
        assert "error=" in refused.headers["Location"]
        error = await (await client.get(refused.headers["Location"])).text()
        assert "已撤销" in error
    assert (await load(core, ticket_id)).state == "cancelled"
    assert chat.session.sent(method="sendMessage") == []
    assert [e.action for e in await ticket_events(core, ticket_id)][-1] == "cancel"


async def test_without_the_csrf_token_or_outside_their_grids_nothing_happens(chat, core):
    ticket_id = await reported(chat, core)
    async with core.session_factory() as s:
        before = (await s.execute(select(func.count(TicketEvent.id)))).scalar_one()
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        for token in ("", "wrong", csrf[:-1]):
            response = await invalidate(client, ticket_id, token, reason="0")
            assert response.status == 403
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, FAR_CADRE.id)  # 枫林社区: not theirs
        assert (await invalidate(client, ticket_id, csrf, reason="0")).status == 404
        assert (await client.get("/tickets/rows?view=closed")).status == 200
    async with core.session_factory() as s:
        assert (await s.execute(select(func.count(TicketEvent.id)))).scalar_one() == before
    assert (await load(core, ticket_id)).state == "dispatched"
    assert all("无效" not in t for t in chat.texts_to(RESIDENT))
