"""The command centre's pages and actions: each action goes through the chat's workflow,
is recorded as the same event and tells the same people; the list exports as `gridbot export`."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from figures.export import HEADINGS
from storage.models import Staff, Ticket, TicketEvent, Unit
from tests.conftest import BACKUP, CADRE, MEMBER, OTHER_MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT
from tests.support.web_kit import latest_ticket, outline_grids, set_state, sign_in, web_client

CITY = "城管联络员"  # the example street's 城管 contact
CITY_ID = 740001


async def reported(chat, core, text: str = REPORT) -> int:
    await chat.say(RESIDENT, "/start WT01")
    out = await chat.say(RESIDENT, text)
    if any("补充到" in t for t in chat.texts_to(RESIDENT, out)):  # soon after another report
        await chat.press(RESIDENT, "这是新问题")
    return await latest_ticket(core)


async def actions_of(core, ticket_id: int) -> list[str]:
    async with core.session_factory() as s:
        q = select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        return list((await s.execute(q)).scalars())


async def test_the_map_list_and_ticket_show_a_reported_ticket(chat, core):
    await outline_grids(core)
    ticket_id = await reported(chat, core)
    async with web_client(chat, core) as client:
        await sign_in(client, chat, CADRE.id)
        page = await (await client.get("/map")).text()
        assert "梧桐一网格" in page and "leaflet.js" in page
        markers = (await (await client.get("/map/data.json")).json())["markers"]
        assert [m[0] for m in markers] == [ticket_id] and markers[0][3] == "dispatched"
        listing = await (await client.get("/tickets")).text()
        assert f"#{ticket_id}" in listing and "孙网格" in listing
        rows = await (await client.get("/tickets/rows?view=overdue")).text()
        assert f"#{ticket_id}" not in rows
        ticket = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert REPORT in ticket and "办理记录" in ticket and 'id="act-reassign"' in ticket
        filtered = await (await client.get("/map/data.json?category=噪音扰民")).json()
        assert filtered["markers"] == [] or all(m[5] == "噪音扰民" for m in filtered["markers"])


async def test_reassign_and_escalate_tell_the_same_people_as_in_chat(chat, core):
    ticket_id = await reported(chat, core)
    async with core.session_factory() as s:
        other = (await s.execute(select(Unit).where(Unit.code == "WT02"))).scalar_one()
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        page = await (await client.get(f"/tickets/{ticket_id}")).text()
        assert OTHER_MEMBER.name in page
        async with core.session_factory() as s:
            staff_id = (await s.execute(select(Staff.id).where(Staff.telegram_id == OTHER_MEMBER.id,
                                                               Staff.unit_id == other.id))).scalar_one()
        chat.session.clear()
        done = await client.post(f"/tickets/{ticket_id}/reassign", data={"csrf": csrf, "staff_id": str(staff_id)},
                                 allow_redirects=False)
        assert done.status == 303 and "done=reassign" in done.headers["Location"]
        assert any(f"#{ticket_id}" in t for t in chat.texts_to(OTHER_MEMBER))  # the new task, with its buttons
        assert any(f"#{ticket_id}" in t for t in chat.texts_to(MEMBER))  # taken away
        assert chat.texts_to(RESIDENT)  # told who handles it now
        async with core.session_factory() as s:
            city = (await s.execute(select(Unit).where(Unit.code == "XF-CG"))).scalar_one()
        chat.session.clear()
        done = await client.post(f"/tickets/{ticket_id}/escalate", data={"csrf": csrf, "unit_id": str(city.id)},
                                 allow_redirects=False)
        assert done.status == 303 and "done=escalate" in done.headers["Location"]
        assert any(f"#{ticket_id}" in r.text for r in chat.session.sent(chat_id=CITY_ID) if r.text)
        assert any(f"#{ticket_id}" in t for t in chat.texts_to(OTHER_MEMBER))
    assert await actions_of(core, ticket_id) == ["open", "reassign", "escalate"]


async def test_remind_recategorize_and_merge(chat, core, clock):
    first = await reported(chat, core)
    clock.advance(minutes=1)
    await chat.say(BACKUP, "/start WT01")  # another resident's report of another problem
    second = await reported(chat, core, "小区门口路灯坏了好几天，晚上很黑")
    async with web_client(chat, core) as client:
        csrf = await sign_in(client, chat, CADRE.id)
        chat.session.clear()
        assert (await client.post(f"/tickets/{first}/remind", data={"csrf": csrf})).status == 200
        assert any(f"#{first}" in t for t in chat.texts_to(MEMBER))
        again = await client.post(f"/tickets/{first}/remind", data={"csrf": csrf}, allow_redirects=False)
        assert "error=" in again.headers["Location"]  # 催办 twice within ten minutes: once
        await client.post(f"/tickets/{first}/recategorize", data={"csrf": csrf, "category": "物业服务"})
        await client.post(f"/tickets/{second}/merge", data={"csrf": csrf, "into": str(first)})
        bad = await client.post(f"/tickets/{first}/reassign", data={"csrf": csrf, "staff_id": "x"},
                                allow_redirects=False)
        assert "error=" in bad.headers["Location"]
    async with core.session_factory() as s:
        one, two = (await s.get(Ticket, first)), (await s.get(Ticket, second))
    assert one.category == "物业服务" and two.state == "merged" and two.merged_into_id == first
    assert await actions_of(core, first) == ["open", "remind", "recategorize", "merge"]


async def test_lists_filter_sort_page_and_export_like_gridbot_export(chat, core):
    ticket_id = await reported(chat, core)
    await set_state(core, ticket_id, state="returned")
    async with web_client(chat, core) as client:
        await sign_in(client, chat, CADRE.id)
        returned = await (await client.get("/tickets?view=returned&sort=id&dir=desc")).text()
        assert f"#{ticket_id}" in returned
        escalated = await (await client.get("/tickets/rows?view=escalated")).text()
        assert f"#{ticket_id}" not in escalated
        assert (await client.get("/tickets?page=99&grid=abc&state=nonsense")).status == 200
        response = await client.get("/tickets.xlsx?view=returned")
        assert response.status == 200
        sheet = load_workbook(io.BytesIO(await response.read())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == HEADINGS and rows[1][0] == ticket_id and len(rows) == 2


async def test_figures_and_the_months_bulletin(chat, core):
    await reported(chat, core)
    async with web_client(chat, core) as client:
        await sign_in(client, chat, CADRE.id)
        page = await (await client.get("/figures")).text()
        assert "及时签收率" in page and "梧桐一网格" in page
        assert (await client.get("/figures?period=2026-99")).status == 400
        assert (await client.get("/figures?unit=枫林社区")).status == 404  # not theirs
        month = core.service.clock().astimezone(core.tz).strftime("%Y-%m")
        png = await client.get(f"/figures/bulletin/ranking?month={month}")
        assert png.status == 200 and png.content_type == "image/png"
        assert (await png.read()).startswith(b"\x89PNG")
        xlsx = await client.get(f"/figures/bulletin/bulletin?month={month}")
        assert xlsx.status == 200 and (await xlsx.read()).startswith(b"PK")
