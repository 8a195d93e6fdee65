"""``gridbot nlp ...``: train, evaluate and try the classifier from the command line.

The group is attached to the main ``gridbot`` CLI by bot/; ``build_nlp_group()`` makes a fresh
one (tests use it with click.testing.CliRunner).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _quiet_jieba() -> None:
    # jieba logs its dictionary loading at DEBUG on stderr, and sets that level when imported:
    # import it first, then quieten it, so --json readers get clean streams. With rjieba as the
    # segmenter jieba is never imported, and importing it here would only cost time.
    from .segmenter import default_backend

    if default_backend() != "jieba":
        return
    import jieba  # noqa: F401

    logging.getLogger("jieba").setLevel(logging.WARNING)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def _read_rows(path: str) -> list[tuple[str, str]]:
    from .dataset import DatasetError, read_labelled_csv

    try:
        rows = read_labelled_csv(path)
    except DatasetError as exc:
        raise click.BadParameter(str(exc), param_hint="--data") from exc
    if not rows:
        raise click.BadParameter(f"{path}: no rows with both a text and a label", param_hint="--data")
    return rows


def _taxonomy(path: str | None) -> Any:
    from .taxonomy import TaxonomyError, load_taxonomy

    try:
        return load_taxonomy(Path(path) if path else None)
    except (TaxonomyError, OSError) as exc:
        raise click.BadParameter(str(exc), param_hint="--taxonomy") from exc


def _classifier(model: str | None, taxonomy: str | None) -> Any:
    from .classifier import Classifier
    from .model import ModelError

    try:
        return Classifier.load(Path(model) if model else None, taxonomy=_taxonomy(taxonomy))
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc


def _print_report(report: dict[str, Any]) -> None:
    click.echo(
        f"messages: {report['n']}  accuracy: {report['accuracy']:.4f}  macro-F1: {report['macro_f1']:.4f}  "
        f"throughput: {report['msgs_per_s']:.0f} msgs/s"
    )
    labels = report["confusion"]["labels"]
    width = max([_width(lb) for lb in labels] + [5]) + 2
    click.echo("")
    click.echo(_pad("label", width) + f"{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for lb, m in report["per_class"].items():
        click.echo(_pad(lb, width) + f"{m['precision']:>10.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}{m['support']:>9}")
    click.echo("")
    click.echo("confusion matrix (rows: true label, columns: predicted, numbered as the rows)")
    click.echo(" " * (width + 4) + "".join(f"{i + 1:>5}" for i in range(len(labels))))
    for i, (lb, row) in enumerate(zip(labels, report["confusion"]["matrix"])):
        click.echo(f"{i + 1:>3} " + _pad(lb, width) + "".join(f"{v:>5}" for v in row))


STDIN_BATCH = 64  # messages classified together when reading stdin (faster than one by one)


def _show_many(clf: Any, texts: list[str], as_json: bool) -> None:
    for text, pred in zip(texts, clf.classify_many(texts)):
        _show(clf, text, pred, as_json)
        if not as_json:
            click.echo("")


def _show(clf: Any, text: str, pred: Any, as_json: bool) -> None:
    department = clf.taxonomy.department_for(pred.category)
    if as_json:
        click.echo(json.dumps({**pred.to_dict(), "department": department}, ensure_ascii=False))
        return
    cues = f" ({', '.join(pred.intent_cues)})" if pred.intent_cues else ""
    click.echo(f"intent:       {pred.intent}{cues}, report score {pred.report_score:.2f}")
    click.echo(f"category:     {pred.category} (confidence {pred.confidence:.2f})")
    if department:
        click.echo(f"department:   {department}")
    click.echo(f"keywords:     {', '.join(pred.keywords) or '-'}")
    click.echo(f"urgent:       {'yes (' + ', '.join(pred.urgent_words) + ')' if pred.urgent else 'no'}")
    click.echo(f"request kind: {pred.request_kind}")
    click.echo("suggestions:  " + ", ".join(f"{c} {s:.2f}" for c, s in pred.suggestions))


class _NoBar:
    """The stand-in progress bar when no factory is given: draws nothing."""

    def __init__(self, desc: str, *, quiet: bool = False, unit: str = "it") -> None:
        pass

    def __call__(self, done: int, total: int) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass


def build_nlp_group(progress: Callable[..., Any] = _NoBar) -> click.Group:
    """``progress(desc, quiet=..., unit=...)``: a context manager that is an ``on_progress(done,
    total)`` callback (bot.cli.progress.Bar draws a bar; the default draws nothing, as nlp
    itself depends on no terminal library)."""

    @click.group("nlp", help="Segment and classify residents' messages; train and evaluate models.")
    def nlp() -> None:
        _quiet_jieba()

    @nlp.command("train")
    @click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False),
                  help="UTF-8 CSV with a header 'text,label'; any set of labels.")
    @click.option("--out", "out", required=True, type=click.Path(file_okay=False),
                  help="Directory that receives the model (created if needed).")
    @click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), default=None,
                  help="Taxonomy TOML whose keywords may nudge matching labels (default: the shipped one).")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed of the cross-validation folds.")
    @click.option("--search", is_flag=True,
                  help="Choose C and the word/character balance by cross-validation (six times slower).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar on stderr.")
    def train_cmd(data: str, out: str, taxonomy: str | None, seed: int, search: bool, quiet: bool) -> None:
        """Train a model on a labelled CSV (a progress bar with the time left on stderr, if a terminal)."""
        from .training import save, train

        rows = _read_rows(data)
        started = time.perf_counter()
        try:
            with progress("training", quiet=quiet, unit="step") as bar:
                model = train(rows, taxonomy=_taxonomy(taxonomy), seed=seed, search=search, on_progress=bar)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        save(model, Path(out))
        info = model.info
        click.echo(f"trained on {info['n']} messages, {len(model.labels)} labels, {info['features']} features "
                   f"in {time.perf_counter() - started:.1f} s")
        click.echo(f"chosen: C={info['c']:g}, word weight {info['word_weight']:g}, char weight {info['char_weight']:g}; "
                   f"temperature {model.temperature:g}, keyword-rule weight {model.rule_weight:g}")
        if info.get("cv_macro_f1") is not None:
            click.echo(f"cross-validated macro-F1 on the training data: {info['cv_macro_f1']:.4f}")
        click.echo(f"model written to {out}")

    @nlp.command("eval")
    @click.option("--model", "model", type=click.Path(exists=True, file_okay=False), default=None,
                  help="Model directory (default: the shipped model).")
    @click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False),
                  help="UTF-8 CSV with a header 'text,label'.")
    @click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), default=None)
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
    def eval_cmd(model: str | None, data: str, taxonomy: str | None, as_json: bool) -> None:
        """Evaluate a model: accuracy, macro-F1, per-class figures, confusion matrix, speed."""
        from .training import evaluate

        rows = _read_rows(data)
        report = evaluate(_classifier(model, taxonomy), rows)
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False))
        else:
            _print_report(report)

    @nlp.command("classify")
    @click.argument("text")
    @click.option("--model", "model", type=click.Path(exists=True, file_okay=False), default=None,
                  help="Model directory (default: the shipped model).")
    @click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), default=None)
    @click.option("--json", "as_json", is_flag=True,
                  help="Print one JSON object per message (one line each) and nothing else.")
    def classify_cmd(text: str, model: str | None, taxonomy: str | None, as_json: bool) -> None:
        """Classify one message; TEXT '-' reads one message per line from stdin (in order,
        one answer per line, the model loaded once)."""
        clf = _classifier(model, taxonomy)
        if text != "-":
            _show(clf, text, clf.classify(text), as_json)
            return
        batch: list[str] = []
        for line in sys.stdin:  # click's runner swaps sys.stdin too
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= STDIN_BATCH:
                _show_many(clf, batch, as_json)
                batch = []
        _show_many(clf, batch, as_json)

    return nlp


nlp_commands = build_nlp_group()


if __name__ == "__main__":  # python -m nlp.cli ..., before the gridbot CLI wires the group in
    nlp_commands()
