"""Benchmark of the event classifier (a script, not a test).

    /work/venv/bin/python bench/classify.py [--folds 5] [--repeat 20]

Prints, measured in the same run:
1. quality on nlp/data/heldout.csv of the shipped model and of a baseline (TF-IDF over jieba
   word tokens + LinearSVC, trained on nlp/data/corpus.csv);
2. the same comparison by stratified k-fold cross-validation over corpus + heldout, with our
   model both with and without the taxonomy's keyword rules;
3. throughput on one core of ``Classifier.classify`` (one message a call), of
   ``classify_many`` (batches), and of bare jieba segmentation (``Segmenter.cut``), with ratios.
"""

from __future__ import annotations

import os

# One core: no BLAS threads, and pinned to one CPU where the OS allows it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.classifier import Classifier  # noqa: E402
from nlp.dataset import read_labelled_csv  # noqa: E402
from nlp.segmenter import Segmenter  # noqa: E402
from nlp.taxonomy import DATA_DIR  # noqa: E402
from nlp.training import train  # noqa: E402

Rows = list[tuple[str, str]]


def macro_f1(gold: list[str], pred: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return f1_score(gold, pred, average="macro"), accuracy_score(gold, pred)


def baseline_predict(seg: Segmenter, train_rows: Rows, test_texts: list[str]) -> list[str]:
    """TF-IDF over jieba word tokens + LinearSVC, scikit-learn defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(tokenizer=seg.cut, lowercase=False, token_pattern=None)
    X = vec.fit_transform([t for t, _ in train_rows])
    svm = LinearSVC().fit(X, [lb for _, lb in train_rows])
    return list(svm.predict(vec.transform(test_texts)))


def ours_predict(seg: Segmenter, train_rows: Rows, test_texts: list[str], rules: bool = True) -> list[str]:
    model = train(train_rows, segmenter=seg)
    if not rules:
        model.rule_weight = 0.0
    return [p.category for p in Classifier(model, segmenter=seg).classify_many(test_texts)]


def cross_validate(seg: Segmenter, rows: Rows, folds: int) -> dict[str, list[float]]:
    from sklearn.model_selection import StratifiedKFold

    labels = [lb for _, lb in rows]
    scores: dict[str, list[float]] = {"ours": [], "ours (model only, no keyword rules)": [], "baseline": []}
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=42).split(np.zeros(len(rows)), labels):
        train_rows = [rows[i] for i in tr]
        texts, gold = [rows[i][0] for i in te], [rows[i][1] for i in te]
        scores["ours"].append(macro_f1(gold, ours_predict(seg, train_rows, texts))[0])
        scores["ours (model only, no keyword rules)"].append(
            macro_f1(gold, ours_predict(seg, train_rows, texts, rules=False))[0]
        )
        scores["baseline"].append(macro_f1(gold, baseline_predict(seg, train_rows, texts))[0])
    return scores


def rates(fns: dict[str, Callable[[], object]], n: int, rounds: int = 5) -> dict[str, float]:
    """Items per second of each function, best of ``rounds``; the functions take turns in each
    round so that a burst of load on the machine does not fall on one of them only."""
    best = dict.fromkeys(fns, float("inf"))
    gc.collect()
    gc.freeze()  # the models built above stay alive: keep the collector from rescanning them
    for _ in range(rounds):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: n / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="copies of the short messages in the speed test")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import jieba  # noqa: F401  (imported here so its log level can be lowered after it sets it)

    logging.getLogger("jieba").setLevel(logging.WARNING)

    corpus = read_labelled_csv(DATA_DIR / "corpus.csv")
    heldout = read_labelled_csv(DATA_DIR / "heldout.csv")
    seg = Segmenter().warm_up()
    shipped = Classifier.load(segmenter=seg).warm_up()
    texts, gold = [t for t, _ in heldout], [lb for _, lb in heldout]

    print(f"== heldout ({len(heldout)} messages, {len(set(gold))} labels; trained on corpus.csv, {len(corpus)})")
    f1, acc = macro_f1(gold, [p.category for p in shipped.classify_many(texts)])
    print(f"ours, shipped model            macro-F1 {f1:.4f}  accuracy {acc:.4f}")
    f1, acc = macro_f1(gold, ours_predict(seg, corpus, texts, rules=False))
    print(f"ours, model only (no keywords) macro-F1 {f1:.4f}  accuracy {acc:.4f}")
    f1, acc = macro_f1(gold, baseline_predict(seg, corpus, texts))
    print(f"baseline TF-IDF(jieba)+SVM     macro-F1 {f1:.4f}  accuracy {acc:.4f}")

    print(f"\n== {args.folds}-fold cross-validation over corpus + heldout ({len(corpus) + len(heldout)} messages)")
    for name, scores in cross_validate(seg, corpus + heldout, args.folds).items():
        print(f"{name:38} macro-F1 {statistics.mean(scores):.4f} (+/- {statistics.pstdev(scores):.4f})")

    short = [t for t, _ in corpus + heldout if len(t) <= 20] * args.repeat
    mean_len = statistics.mean(len(t) for t in short)
    print(f"\n== throughput on one core: {len(short)} short messages (<= 20 chars, mean {mean_len:.1f})")
    r = rates(
        {
            "jieba": lambda: [seg.cut(t) for t in short],
            # classify() remembers recent texts, and these repeat: time the uncached single call.
            "one": lambda: [shipped.classify_many([t])[0] for t in short],
            "batch": lambda: [shipped.classify_many(short[i : i + 256]) for i in range(0, len(short), 256)],
        },
        len(short),
    )
    print(f"bare jieba (Segmenter.cut)       {r['jieba']:>9,.0f} msgs/s")
    print(f"classify, one message a call     {r['one']:>9,.0f} msgs/s  ({r['one'] / r['jieba']:.2f} x jieba)")
    print(f"classify_many, batches of 256    {r['batch']:>9,.0f} msgs/s  ({r['batch'] / r['jieba']:.2f} x jieba)")

if __name__ == "__main__":
    main()
