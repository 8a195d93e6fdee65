"""`gridbot webhook set|delete|info`: register the webhook with Telegram (once per
deployment, not per instance), or go back to long polling."""
from __future__ import annotations

import asyncio

import click

from bot.cli.common import settings_from


@click.group("webhook")
def webhook_group() -> None:
    """Telegram's webhook registration (telegram.mode = "webhook")."""


async def _set(settings, drop_pending: bool) -> dict:
    from aiogram.methods import SetWebhook

    from bot.app import create_bot, create_dispatcher, create_notifier
    from bot.core import build_core
    from nlp.classifier import Classifier

    url = settings.telegram.webhook_url
    secret = settings.telegram.webhook_secret
    if not url or not url.startswith("https://") and "127.0.0.1" not in url and "localhost" not in url:
        raise click.ClickException("telegram.webhook_url must be the public https:// address Telegram posts to")
    if secret is None:
        raise click.ClickException("telegram.webhook_secret is not set (GRIDBOT_TELEGRAM__WEBHOOK_SECRET)")
    core = build_core(settings, classifier=Classifier.__new__(Classifier))  # the routers only: no model
    bot = create_bot(settings)
    try:
        dp = create_dispatcher(core, create_notifier(bot, core))
        allowed = sorted(dp.resolve_used_update_types())  # only what has handlers, as polling asks
        await bot(SetWebhook(url=url, secret_token=secret.get_secret_value(), allowed_updates=allowed,
                             drop_pending_updates=drop_pending,
                             max_connections=max(1, min(100, settings.telegram.webhook_max_in_flight))))
        info = await bot.get_webhook_info()
        return {"url": info.url, "allowed_updates": allowed, "pending": info.pending_update_count}
    finally:
        await bot.session.close()
        await core.close()


async def _delete(settings, drop_pending: bool) -> None:
    from bot.app import create_bot

    bot = create_bot(settings)
    try:
        await bot.delete_webhook(drop_pending_updates=drop_pending)
    finally:
        await bot.session.close()


@webhook_group.command("set")
@click.option("--drop-pending", is_flag=True, help="Forget updates Telegram still holds.")
@click.pass_context
def webhook_set(ctx: click.Context, drop_pending: bool) -> None:
    """setWebhook with telegram.webhook_url, the secret, and the update types handled."""
    result = asyncio.run(_set(settings_from(ctx), drop_pending))
    click.echo(f"webhook set: {result['url']} (updates: {', '.join(result['allowed_updates'])}; "
               f"{result['pending']} pending)")


@webhook_group.command("delete")
@click.option("--drop-pending", is_flag=True, help="Forget updates Telegram still holds.")
@click.pass_context
def webhook_delete(ctx: click.Context, drop_pending: bool) -> None:
    """deleteWebhook: back to long polling (telegram.mode = "polling")."""
    asyncio.run(_delete(settings_from(ctx), drop_pending))
    click.echo("webhook deleted: start the bot in polling mode")
