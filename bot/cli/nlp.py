"""`gridbot nlp ...`: the nlp package's commands (train, eval, classify) plus `retrain`,
which needs the database (staff corrections)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import click

from bot.cli.common import settings_from
from bot.cli.progress import Bar, quiet_option


def nlp_group() -> click.Group:
    """nlp's own commands, drawing progress bars (bot.cli.progress), plus `retrain`."""
    from nlp.cli import build_nlp_group

    group = build_nlp_group(progress=Bar)
    group.add_command(nlp_retrain)
    return group


@click.command("retrain")
@click.option("--out", type=click.Path(file_okay=False), help="Where to write the new model (default: a temp folder).")
@click.option("--activate", is_flag=True, help="Switch to the new model (copied into nlp.model_dir).")
@quiet_option
@click.pass_context
def nlp_retrain(ctx: click.Context, out: str | None, activate: bool, quiet: bool) -> None:
    """Train on the shipped corpus plus staff corrections (改类); compare with the model in use."""
    from bot.cli.retrain import load_corrections, retrain

    settings = settings_from(ctx)
    fixes = asyncio.run(load_corrections(settings))
    try:
        with Bar("training", quiet=quiet, unit="step") as bar:
            r = retrain(settings, fixes, Path(out) if out else None, activate, on_progress=bar)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"staff corrections in the database: {r.n_corrections} (a fifth of them held out)")
    click.echo(f"training messages: {r.n_train}")
    click.echo(f"held-out messages: {r.n_heldout}")
    click.echo(f"{'':<12}{'macro-F1':>10}{'accuracy':>10}")
    for name, m in (("current", r.current), ("retrained", r.candidate)):
        click.echo(f"{name:<12}{m['macro_f1']:>10.4f}{m['accuracy']:>10.4f}")
    click.echo(f"new model: {r.candidate_dir}")
    if r.activated_to:
        click.echo(f"activated: {r.activated_to} (restart the bot to use it)")
    else:
        click.echo("not activated: run again with --activate to switch")
