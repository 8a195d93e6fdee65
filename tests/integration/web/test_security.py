"""Who gets into the command centre, and what they see: one-time login links, sessions,
CSRF, jurisdiction (another community's ticket is 404) and the reporter's phone."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from storage.models import Resident, TicketEvent
from tests.conftest import CADRE, FAR_CADRE, MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT
from tests.support.web_kit import latest_ticket, login_token, set_state, sign_in, web_client
from tickets.errors import NotAllowed
from web.console import COOKIE


async def reported(chat, core) -> int:
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    return await latest_ticket(core)


async def events(core) -> int:
    async with core.session_factory() as s:
        return (await s.execute(select(func.count(TicketEvent.id)))).scalar_one()


async def test_a_login_link_works_once(chat, core):
    async with web_client(chat, core) as client:
        token = await login_token(chat, CADRE.id)
        first = await client.post("/login", data={"token": token}, allow_redirects=False)
        assert first.status == 303 and first.headers["Location"] == "/map"
        cookie = first.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
        client.session.cookie_jar.clear()
        again = await client.post("/login", data={"token": token}, allow_redirects=False)
        assert again.status == 403 and COOKIE not in again.cookies
        assert (await client.get("/map")).status == 401


async def test_the_link_page_itself_does_not_spend_the_link(chat, core):
    async with web_client(chat, core) as client:
        token = await login_token(chat, CADRE.id)
        preview = await client.get(f"/login/{token}")  # what a link preview fetches
        assert preview.status == 200 and token in await preview.text()
        assert (await client.post("/login", data={"token": token}, allow_redirects=False)).status == 303


async def test_an_expired_or_made_up_link_gets_nothing(chat, core, clock):
    async with web_client(chat, core) as client:
        token = await login_token(chat, CADRE.id)
        clock.advance(minutes=5, seconds=1)
        assert (await client.post("/login", data={"token": token}, allow_redirects=False)).status == 403
        assert (await client.post("/login", data={"token": "x" * 43}, allow_redirects=False)).status == 403
        assert (await client.get("/map/data.json")).status == 401


async def test_residents_and_unknown_ids_get_no_link(chat, core):
    await chat.say(RESIDENT, "/start WT01")
    for telegram_id in (RESIDENT.id, 123456789, MEMBER.id):  # a grid member is not a cadre either
        with pytest.raises(NotAllowed):
            await chat.dp["web_links"].issue(telegram_id)
    sent = await chat.say(RESIDENT, "/web")
    assert "/login/" not in " ".join(chat.texts_to(RESIDENT, sent))


async def test_web_in_chat_sends_a_cadre_a_link_without_a_preview(chat, core):
    sent = await chat.say(CADRE, "/web")
    (message,) = [r for r in sent if r.method == "sendMessage"]
    assert "http://127.0.0.1:8080/login/" in message.text
    assert message.data["link_preview_options"]["is_disabled"] is True


async def test_a_forged_cookie_gets_nothing(chat, core):
    ticket_id = await reported(chat, core)
    async with web_client(chat, core) as client:
        client.session.cookie_jar.update_cookies({COOKIE: "forged-session-token"})
        for path in ("/map", "/map/data.json", "/tickets", "/tickets/rows", "/tickets.xlsx",
                     f"/tickets/{ticket_id}", "/figures", f"/tickets/{ticket_id}/photos/0"):
            response = await client.get(path)
            assert response.status == 401, path
            assert REPORT[:6] not in await response.text()


async def test_a_session_ends_after_its_hours_and_at_sign_out(chat, core, clock):
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        clock.advance(hours=11)
        assert (await client.get("/tickets")).status == 200
        assert (await client.post("/logout", data={"csrf": csrf})).status == 200
        assert (await client.get("/tickets")).status == 401
        await sign_in(client, chat, CADRE.id)
        clock.advance(hours=12, seconds=1)
        assert (await client.get("/tickets")).status == 401


async def test_a_post_without_the_sessions_csrf_token_changes_nothing(chat, core):
    ticket_id = await reported(chat, core)
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        before = await events(core)
        for data in ({}, {"csrf": "wrong"}, {"csrf": csrf[:-1]}):
            response = await client.post(f"/tickets/{ticket_id}/remind", data=data, allow_redirects=False)
            assert response.status == 403
        assert (await client.post("/logout", data={"csrf": "wrong"})).status == 403
        assert await events(core) == before
        assert (await client.get("/map")).status == 200  # still signed in
        ok = await client.post(f"/tickets/{ticket_id}/remind", data={"csrf": csrf}, allow_redirects=False)
        assert ok.status == 303 and await events(core) == before + 1


async def test_another_communitys_ticket_is_not_found(chat, core):
    ticket_id = await reported(chat, core)  # 梧桐社区 WT01
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, FAR_CADRE.id)  # 枫林社区
        before = await events(core)
        assert (await client.get(f"/tickets/{ticket_id}")).status == 404
        assert (await client.get(f"/tickets/{ticket_id}/photos/0")).status == 404
        for action, data in (("remind", {}), ("reassign", {"staff_id": "1"}), ("escalate", {"unit_id": "2"}),
                             ("recategorize", {"category": "消防安全"})):
            response = await client.post(f"/tickets/{ticket_id}/{action}", data={"csrf": csrf, **data},
                                         allow_redirects=False)
            assert response.status == 404, action
        assert await events(core) == before
        listing = await (await client.get("/tickets")).text()
        assert f"#{ticket_id}<" not in listing and REPORT[:6] not in listing
        markers = (await (await client.get("/map/data.json")).json())["markers"]
        assert ticket_id not in [m[0] for m in markers]
        assert (await client.get("/tickets/999999")).status == 404


async def test_the_phone_is_shown_in_full_only_to_whoever_handles_the_ticket(chat, core):
    ticket_id = await reported(chat, core)
    async with core.session_factory() as s, s.begin():
        await s.execute(update(Resident).where(Resident.telegram_id == RESIDENT.id).values(phone="13812345678"))
    async with web_client(chat, core) as client:
        await sign_in(client, chat, CADRE.id)
        page = await (await client.get(f"/tickets/{ticket_id}")).text()  # with the grid member: masked
        assert "138****5678" in page and "13812345678" not in page
        await set_state(core, ticket_id, state="returned")  # back with the cadre: theirs to handle
        page = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert "13812345678" in page
        await set_state(core, ticket_id, state="dispatched", anonymous=True)
        page = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert "5678" not in page and "匿名上报" in page
