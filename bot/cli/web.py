"""`gridbot web login-link --telegram-id N`: the command centre's one-time login link, as /web sends it."""
from __future__ import annotations

import asyncio

import click

from bot.cli.common import settings_from


@click.group("web")
def web_group() -> None:
    """The command centre (指挥调度平台)."""


@web_group.command("login-link")
@click.option("--telegram-id", "telegram_id", type=int, required=True, help="A cadre's or an admin's Telegram id.")
@click.pass_context
def login_link(ctx: click.Context, telegram_id: int) -> None:
    """Print a one-time login link for this cadre (valid [web] link_minutes, works once)."""
    from datetime import timedelta

    from organisation.signin import LoginLinks, SignIn
    from storage.engine import create_engine, create_session_factory
    from storage.migrate import upgrade_async
    from tickets.errors import NotAllowed
    from tickets.reports import utcnow

    settings = settings_from(ctx)
    w = settings.web

    async def issue() -> str:
        await upgrade_async(settings.database.url)
        engine = create_engine(settings.database.url)
        try:
            signin = SignIn(create_session_factory(engine), admins=settings.admins, clock=utcnow,
                            link_ttl=timedelta(minutes=w.link_minutes), session_ttl=timedelta(hours=w.session_hours))
            url, _ = await LoginLinks(signin, w.base_url).issue(telegram_id)
            return url
        finally:
            await engine.dispose()

    try:
        url = asyncio.run(issue())
    except NotAllowed:
        raise click.ClickException(f"{telegram_id} is not a cadre or an admin: no link") from None
    if not w.enabled:
        click.echo("note: [web] enabled is false; `gridbot run` will not serve the command centre", err=True)
    click.echo(url)
