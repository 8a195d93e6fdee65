"""Fitting the intent model (see nlp/intent.py) and rebuilding the shipped one.

    PYTHONPATH=. python -m nlp.intent_training [--out nlp/model/intent] [--seed 0]

Data: the complaint corpus (every category but the fallback is a ``report``; its fallback
rows are greetings and questions, so ``chat``, except bare addresses, which are left out),
nlp/data/intent_reports.csv (``report``: what residents also raise outside the grid
categories, such as schools, wages owed, hospitals, transport, housing, social security,
tourism, pollution, land and officials' conduct, and help requests (代买, 上门), written as
chat messages, as a few characters and as formal titles; for the intent only, since it has
no category) and nlp/data/intent_chat.csv (``chat``, from
"好" to longer small talk, so that length alone does not decide).
nlp/data/intent_heldout.csv and intent_heldout_long.csv are never trained on.

1. the linear chat-vs-report model: training.train (its grid, SVM and vocabulary);
2. out-of-fold decision values of that model, from REPEATS different splits into folds,
   with the keyword strength and shortness of each message, fit a logistic regression: the
   combination's weights;
3. the thresholds are read off the out-of-fold scores of all the splits (one split leaves
   report_at to the few chat messages scored highest in it: 0.6 to 0.85 by the seed): ``chat_below`` as high as possible
   while at most CHAT_REPORT_SHARE of reports fall under it, ``report_at`` as low as
   possible while at most REPORT_CHAT_SHARE of everyday chat (at most EVERYDAY_CHARS
   letters/CJK characters: greetings, thanks, acknowledgements, what the everyday goal is
   about) reaches it; the highest threshold if none does. Longer small talk is trained on,
   but shares its words with complaints ("加装的电梯用上了，老人上下楼方便多了"): the share
   of it reaching ``report_at`` is recorded (``oof_long_chat_report``), not capped, and
   nlp/data/intent_heldout_long.csv measures it on messages never trained on.
scikit-learn is needed here only.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .address import strip_addresses
from .dataset import read_labelled_csv
from .intent import (
    CHAT,
    DEFAULT_INTENT_DIR,
    INTENT_LABELS,
    REPORT,
    IntentModel,
    keyword_strength,
    shortness,
)
from .rules import CueRules
from .segmenter import Segmenter
from .taxonomy import DATA_DIR, FALLBACK_CATEGORY, Taxonomy, load_taxonomy
from .textnorm import normalize, word_chars
from .training import _out_of_fold, prepare, train

CHAT_FILE = DATA_DIR / "intent_chat.csv"
REPORTS_FILE = DATA_DIR / "intent_reports.csv"
HELDOUT_FILE = DATA_DIR / "intent_heldout.csv"
# Longer small talk (chat) and complaints outside the grid categories (report), never trained on.
HELDOUT_LONG_FILE = DATA_DIR / "intent_heldout_long.csv"
CHAT_REPORT_SHARE = 0.003  # reports allowed under chat_below (out of fold); the goal is <= 0.5%
REPORT_CHAT_SHARE = 0.01  # everyday chat allowed at or above report_at (out of fold)
REPEATS = 5  # splits into folds whose out-of-fold scores fit the combination and thresholds
EVERYDAY_CHARS = 12  # chat of at most this many letters/CJK characters is everyday chat
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.951, 0.01))


def intent_rows(
    corpus: Iterable[tuple[str, str]],
    chat: Iterable[tuple[str, str]],
    fallback: str = FALLBACK_CATEGORY,
    reports: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """(text, report|chat) rows from the category corpus, the chat file and the intent-only
    report file, in that order.

    Raises ValueError if the chat file holds a label other than ``chat``, or the report file
    one other than ``report``.
    """
    rows: list[tuple[str, str]] = []
    for text, label in corpus:
        if label != fallback:
            rows.append((text, REPORT))
        elif word_chars(strip_addresses(normalize(text))):  # a bare address is neither
            rows.append((text, CHAT))
    for text, label in chat:
        if label != CHAT:
            raise ValueError(f"the chat file holds only '{CHAT}' rows, got {label!r} for {text!r}")
        rows.append((text, CHAT))
    for text, label in reports:
        if label != REPORT:
            raise ValueError(f"the report file holds only '{REPORT}' rows, got {label!r} for {text!r}")
        rows.append((text, REPORT))
    return rows


def _pick_thresholds(p: np.ndarray, y: np.ndarray, everyday: np.ndarray) -> tuple[float, float]:
    """(chat_below, report_at) from out-of-fold scores ``p``, labels ``y`` (1 = report) and
    which messages are everyday-length (see the module doc)."""
    reports, chats = p[y == 1], p[(y == 0) & everyday]
    if not len(chats):  # no everyday chat to read the cap on: all chat
        chats = p[y == 0]
    chat_below = THRESHOLDS[0]
    for t in THRESHOLDS:
        if t <= 0.5 and np.mean(reports < t) <= CHAT_REPORT_SHARE:
            chat_below = t
    report_at = THRESHOLDS[-1]  # none meets the cap: the strictest
    for t in sorted(THRESHOLDS, reverse=True):
        if t >= max(chat_below, 0.5) and np.mean(chats >= t) <= REPORT_CHAT_SHARE:
            report_at = t
    return float(chat_below), float(report_at)


def train_intent(
    rows: Sequence[tuple[str, str]],
    *,
    segmenter: Segmenter | None = None,
    taxonomy: Taxonomy | None = None,
    folds: int = 5,
    seed: int = 0,
    repeats: int = REPEATS,
) -> IntentModel:
    """Fit an IntentModel on (text, report|chat) rows (see the module doc); the splits into
    folds are seeded ``seed``, ``seed + 1``, ... (``repeats`` of them). Deterministic."""
    from sklearn.linear_model import LogisticRegression

    segmenter = segmenter if segmenter is not None else Segmenter()
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    labels = {label for _, label in rows}
    if labels != set(INTENT_LABELS):
        raise ValueError(f"intent training needs both labels {INTENT_LABELS}, got {sorted(labels)}")
    text_model = train(rows, segmenter=segmenter, taxonomy=taxonomy, folds=folds, seed=seed)
    texts = [t for t, _ in rows]
    y = np.array([INTENT_LABELS.index(label) for _, label in rows])
    docs = prepare(texts, segmenter)
    X = text_model.features.matrix(docs)
    rules = CueRules(taxonomy)
    kw = np.array([keyword_strength(rules.scan(norm)) for _, norm in docs])
    short = np.array([shortness(norm, k) for k, (_, norm) in zip(kw, docs)])
    stacked = []
    for k in range(max(1, repeats)):
        D = _out_of_fold(X, y, 2, float(text_model.info["c"]), folds, seed + k)
        if D is None:
            raise ValueError("too few messages of one intent for cross-validation")
        stacked.append(np.column_stack([D[:, 1] - D[:, 0], kw, short]))
    S = np.vstack(stacked)
    n_rows = len(y)
    y = np.tile(y, len(stacked))  # every message once per split
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(S, y)
    scale, keyword_weight, short_weight = (float(v) for v in lr.coef_[0])
    offset = float(lr.intercept_[0])
    p = lr.predict_proba(S)[:, 1]
    everyday = np.tile([len(word_chars(norm)) <= EVERYDAY_CHARS for _, norm in docs], len(stacked))
    chat_below, report_at = _pick_thresholds(p, y, everyday)
    info = {
        "n": len(rows),
        "label_counts": {lb: int((y[:n_rows] == i).sum()) for i, lb in enumerate(INTENT_LABELS)},
        "linear": text_model.info,
        "oof_splits": len(stacked),
        "oof_reports_report": round(float(np.mean(p[y == 1] >= report_at)), 4),
        "oof_reports_chat": round(float(np.mean(p[y == 1] < chat_below)), 4),
        "oof_chat_chat": round(float(np.mean(p[y == 0] < chat_below)), 4),
        "oof_chat_report": round(float(np.mean(p[y == 0] >= report_at)), 4),
        "oof_everyday_chat_report": _share(p[(y == 0) & everyday] >= report_at),
        "oof_long_chat_report": _share(p[(y == 0) & ~everyday] >= report_at),
    }
    return IntentModel(text_model, scale, keyword_weight, short_weight, offset, report_at, chat_below, info)


def _share(hits: np.ndarray) -> float | None:
    """The share of true values, to 4 places; None for no values."""
    return round(float(np.mean(hits)), 4) if len(hits) else None


def default_rows() -> list[tuple[str, str]]:
    """The shipped training rows: nlp/data/corpus.csv, intent_chat.csv and intent_reports.csv."""
    return intent_rows(read_labelled_csv(DATA_DIR / "corpus.csv"), read_labelled_csv(CHAT_FILE),
                       reports=read_labelled_csv(REPORTS_FILE))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild the intent model from the shipped data.")
    parser.add_argument("--out", type=Path, default=DEFAULT_INTENT_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = train_intent(default_rows(), seed=args.seed)
    model.save(args.out)
    print(f"intent model written to {args.out}: {model.info}")
    print(f"scale {model.scale:.3f}, keyword weight {model.keyword_weight:.3f}, short weight "
          f"{model.short_weight:.3f}, offset {model.offset:.3f}; chat below {model.chat_below}, report at {model.report_at}")


if __name__ == "__main__":
    main()
