"""The command centre in real headless Chromium (Debian's, see .ci/run): a cadre signs in
with a login link, sees a ticket reported through the bot on the map and in the list,
reassigns it and escalates it; the grid member and the department get their notices. Another
ticket is closed as 无效 with the cadre's own words: the resident hears them, the page shows
how it closed and offers nothing more. Screenshots go to tests/artifacts/web/ (not committed)."""
from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import CADRE, MEMBER, OTHER_MEMBER, RESIDENT
from tests.e2e.residents.test_core_loop import REPORT
from tests.support.web_kit import latest_ticket, login_token, outline_grids, web_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
CITY_CONTACT = 740001  # the example street's 城管 contact

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason=f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture
async def browser():
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed (pip: .[test])")
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        await browser.close()


@asynccontextmanager
async def signed_in(chat, core, browser):
    """The command centre on a local port, a reported ticket, and a page signed in as the
    cadre with a login link (on the map): (page, base URL, ticket id, errors seen)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await chat.say(RESIDENT, "/start WT01")
    await chat.say(RESIDENT, REPORT)
    ticket_id = await latest_ticket(core)
    server = TestServer(web_app(chat, core), host="127.0.0.1")
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1280, "height": 820}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append("console: " + msg.text) if msg.type == "error" else None)
        await page.goto(f"{base}/login/{await login_token(chat, CADRE.id)}")
        await page.click("#sign-in")
        await page.wait_for_url(f"{base}/map")
        yield page, base, ticket_id, errors
    finally:
        await server.close()


async def test_a_cadre_signs_in_sees_the_ticket_reassigns_and_escalates_it(chat, core, browser):
    await outline_grids(core)
    async with signed_in(chat, core, browser) as (page, base, ticket_id, errors):
        try:
            await page.wait_for_selector("body[data-map-ready='1']", timeout=10_000, state="attached")
        except Exception as exc:
            raise AssertionError(f"the map did not load: {errors}") from exc
        assert await page.text_content("#marker-count") == "1"
        assert await page.locator(".leaflet-overlay-pane path").count() == 3  # 梧桐社区: its three grids
        assert await page.locator(".ticket-marker, .marker-cluster").count() >= 1
        await page.screenshot(path=str(ARTIFACTS / "map.png"))

        await page.goto(f"{base}/tickets")
        row = page.locator(f"tr[data-ticket='{ticket_id}']")
        await row.wait_for()
        assert "孙网格" in await row.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "list.png"), full_page=True)

        await row.locator("a").first.click()
        await page.wait_for_url(f"{base}/tickets/{ticket_id}")
        assert REPORT in await page.inner_text(".card .text")
        await page.screenshot(path=str(ARTIFACTS / "ticket.png"), full_page=True)

        chat.session.clear()
        reassign = page.locator("#act-reassign")
        label = next(t for t in await reassign.locator("option").all_inner_texts() if OTHER_MEMBER.name in t)
        await reassign.locator("select").select_option(label=label)
        await reassign.locator("button").click()
        await page.wait_for_selector(".flash.ok")
        assert any(f"#{ticket_id}" in t for t in chat.texts_to(OTHER_MEMBER))

        escalate = page.locator("#act-escalate")
        label = next(t for t in await escalate.locator("option").all_inner_texts() if t.startswith("城管"))
        await escalate.locator("select").select_option(label=label)
        await escalate.locator("button").click()
        await page.wait_for_selector(".flash.ok")
        assert "已吹哨" in await page.inner_text("h1")
        assert any(f"#{ticket_id}" in (r.text or "") for r in chat.session.sent(chat_id=CITY_CONTACT))
        assert any(f"#{ticket_id}" in t for t in chat.texts_to(OTHER_MEMBER)[1:])  # told a department took it
        await page.screenshot(path=str(ARTIFACTS / "ticket-escalated.png"), full_page=True)

        await page.goto(f"{base}/tickets?view=escalated")
        await page.locator(f"tr[data-ticket='{ticket_id}']").wait_for()

        await page.goto(f"{base}/figures")
        await page.wait_for_selector(".kpis")
        await page.screenshot(path=str(ARTIFACTS / "figures.png"), full_page=True)
        assert errors == []


async def test_a_cadre_closes_a_ticket_as_invalid_in_the_browser(chat, core, browser):
    async with signed_in(chat, core, browser) as (page, base, ticket_id, errors):
        await page.goto(f"{base}/tickets/{ticket_id}")
        form = page.locator("#act-invalidate")
        told_before = len(chat.texts_to(RESIDENT))
        await form.locator("button").click()  # nothing chosen, nothing typed: a stray click closes nothing
        await page.wait_for_selector(".flash.error")
        assert "待签收" in await page.inner_text("h1") and len(chat.texts_to(RESIDENT)) == told_before
        await form.locator("select").select_option(label="私人纠纷")
        await form.locator("input[name=reason_text]").fill("邻里之间的私事，已建议找调解委员会")
        chat.session.clear()
        await form.locator("button").click()
        await page.wait_for_selector(".flash.ok")
        assert "无效" in await page.inner_text("h1")
        assert "邻里之间的私事，已建议找调解委员会" in await page.inner_text("dd.closure")
        assert await page.locator("form[id^=act-]").count() == 0
        await page.screenshot(path=str(ARTIFACTS / "ticket-invalid.png"), full_page=True)
        (told,) = chat.texts_to(RESIDENT)
        assert "原因：邻里之间的私事，已建议找调解委员会" in told
        assert any("无效" in t for t in chat.texts_to(MEMBER))

        await page.goto(f"{base}/tickets?view=closed")
        row = page.locator(f"tr[data-ticket='{ticket_id}']")
        await row.wait_for()
        assert "邻里之间的私事" in await row.inner_text() and CADRE.name in await row.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "list-closed.png"), full_page=True)
        assert errors == []
