"""`gridbot nlp retrain`: the shipped corpus plus staff corrections, compared with the
model in use on the same held-out messages; the new model is switched in only on --activate."""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.cli.progress import Progress
from bot.settings import Settings
from nlp.classifier import Classifier
from nlp.dataset import read_labelled_csv
from nlp.taxonomy import DATA_DIR, load_taxonomy
from nlp.training import evaluate, save, train
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_async
from tickets.corrections import corrections, split

DATA = DATA_DIR


@dataclass
class RetrainResult:
    n_train: int
    n_corrections: int
    n_heldout: int
    current: dict
    candidate: dict
    candidate_dir: Path
    activated_to: Path | None = None


async def load_corrections(settings: Settings) -> list[tuple[str, str]]:
    await upgrade_async(settings.database.url)
    engine = create_engine(settings.database.url)
    try:
        async with create_session_factory(engine)() as session:
            return await corrections(session)
    finally:
        await engine.dispose()


def retrain(settings: Settings, fixes: list[tuple[str, str]], out: Path | None, activate: bool,
            on_progress: Progress | None = None) -> RetrainResult:
    taxonomy = load_taxonomy(settings.nlp.categories_file)
    fix_train, fix_held = split(fixes)
    rows = read_labelled_csv(DATA / "corpus.csv") + fix_train
    heldout = read_labelled_csv(DATA / "heldout.csv") + fix_held
    current = Classifier.load(settings.nlp.model_dir, taxonomy)
    model = train(rows, segmenter=current.segmenter, taxonomy=taxonomy, on_progress=on_progress)
    candidate_dir = out or Path(tempfile.mkdtemp(prefix="gridbot-model-"))
    save(model, candidate_dir)
    candidate = Classifier.load(candidate_dir, taxonomy, current.segmenter)
    result = RetrainResult(len(rows), len(fixes), len(heldout), evaluate(current, heldout),
                           evaluate(candidate, heldout), candidate_dir)
    if activate:
        result.activated_to = _activate(settings, candidate_dir)
    return result


def _activate(settings: Settings, candidate_dir: Path) -> Path:
    target = settings.nlp.model_dir
    if target is None:
        raise ValueError("set nlp.model_dir in the config (e.g. \"models/current\") so that a retrained model has a place to go")
    target = Path(target)
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(candidate_dir, staging)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)  # the bot loads the new model on its next start
    return target
