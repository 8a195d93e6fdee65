"""Benchmark of the event classifier (a script, not a test).

    PYTHONPATH=. python bench/classify.py [--folds 5] [--repeat 10] [--public CSV] [--skip-cv]

Prints, measured in the same run, each figure beside its baseline: TF-IDF over the
segmenter's word tokens + LinearSVC with scikit-learn's defaults (``baseline_fit``):
1. quality on nlp/data/heldout.csv of the shipped model, of our training and of the baseline,
   both trained on nlp/data/corpus.csv;
2. the same comparison by stratified k-fold cross-validation over corpus + heldout;
3. with ``--public CSV`` (a ``text,label`` file of messages we did not write), macro-F1 of our
   training and of the baseline on a stratified 20% held out of it, and on its short
   messages (<= 30 characters) alone. We ship no such file: see PUBLIC below;
4. training time, ours and the baseline's, at 25%, 50% and 100% of corpus + heldout, then on
   long synthetic complaints (each joins 4-16 random messages of one label: about 200
   characters, as a resident's full description) at 1x, 2x, 4x and 8x 1,000 messages. The
   time per 1,000 messages shows the slope: flat when training is linear in the data;
5. throughput on one core of ``Classifier.classify`` (one message a call), of
   ``classify_many`` (batches), and of bare segmentation with each backend (rjieba, jieba).
The machine is shared: every timing is the best of several rounds, ours and the baseline's
taking turns within each round.

PUBLIC: the only public labelled set of Chinese government messages we found reachable is the
2020 Teddy Cup (泰迪杯) data-mining contest, problem C, 附件2 (residents' messages to a city's
online 问政 platform: 留言主题 = title, 留言详情 = body, 一级分类 = one of 7 first-level
categories: 城乡建设 环境保护 交通运输 教育文体 劳动和社会保障 商贸旅游 卫生计生). The full
set has 9,210 messages; the public copy we could read (a student's GitHub repository) holds 495
of them. No licence is stated, by the contest or the copy, so it is not in this repository.
"""

from __future__ import annotations

import os

# One core: no BLAS threads, and pinned to one CPU where the OS allows it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
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
SHORT = 30  # characters: a short message, as residents type them in a chat


def macro_f1(gold: list[str], pred: list[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return f1_score(gold, pred, average="macro"), accuracy_score(gold, pred)


def baseline_fit(seg: Segmenter, train_rows: Rows) -> Callable[[list[str]], list[str]]:
    """TF-IDF over the segmenter's word tokens + LinearSVC, scikit-learn defaults: a predictor."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(tokenizer=seg.cut, lowercase=False, token_pattern=None)
    X = vec.fit_transform([t for t, _ in train_rows])
    svm = LinearSVC().fit(X, [lb for _, lb in train_rows])
    return lambda texts: list(svm.predict(vec.transform(texts)))


def baseline_predict(seg: Segmenter, train_rows: Rows, test_texts: list[str]) -> list[str]:
    return baseline_fit(seg, train_rows)(test_texts)


def ours_predict(seg: Segmenter, train_rows: Rows, test_texts: list[str], rules: bool = True) -> list[str]:
    model = train(train_rows, segmenter=seg)
    if not rules:
        model.rule_weight = 0.0
    return [p.category for p in Classifier(model, segmenter=seg, intent=None).classify_many(test_texts)]


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


def public_quality(seg: Segmenter, rows: Rows) -> None:
    """Ours and the baseline on a stratified 20% of a public set, all of it and its short messages."""
    from sklearn.model_selection import train_test_split

    tr, te = train_test_split(rows, test_size=0.2, random_state=42, stratify=[lb for _, lb in rows])
    short = [(t, lb) for t, lb in te if len(t) <= SHORT]
    n_labels = len({lb for _, lb in rows})
    print(f"\n== public set: {len(rows)} messages, {n_labels} labels; trained on 80%, measured on 20% ({len(te)}, "
          f"of which {len(short)} <= {SHORT} chars)")
    for name, predict in (("ours", lambda texts: ours_predict(seg, tr, texts, rules=False)),
                          ("baseline", baseline_fit(seg, tr))):
        f1_all, _ = macro_f1([lb for _, lb in te], predict([t for t, _ in te]))
        f1_short, acc_short = macro_f1([lb for _, lb in short], predict([t for t, _ in short]))
        print(f"{name:9} macro-F1 {f1_all:.4f} on all, {f1_short:.4f} on short messages (accuracy {acc_short:.4f})")


def long_complaints(rows: Rows, n: int, seed: int = 7) -> Rows:
    """n synthetic long complaints: 4-16 random messages of one label joined, labels in turn."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for text, label in rows:
        by_label.setdefault(label, []).append(text)
    labels = sorted(by_label)
    out = []
    for i in range(n):
        label = labels[i % len(labels)]
        out.append(("，".join(rng.choice(by_label[label]) for _ in range(rng.randint(4, 16))), label))
    return out


def training_times(seg: Segmenter, rows: Rows, rounds: int) -> None:
    rng = random.Random(1)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    sets = [(f"{frac:.0%} of corpus + heldout", shuffled[: int(len(shuffled) * frac)]) for frac in (0.25, 0.5, 1.0)]
    sets += [(f"long complaints x{k}", long_complaints(rows, 1000 * k)) for k in (1, 2, 4, 8)]
    print(f"\n== training time, best of {rounds} rounds (ours: features, 3 folds for calibration, final fit)")
    print(f"{'data':28} {'messages':>8} {'mean chars':>10} {'ours s':>8} {'base s':>8} {'ratio':>6} "
          f"{'ours s/1k':>9} {'base s/1k':>9}")
    for name, data in sets:
        best = {"ours": float("inf"), "base": float("inf")}
        for _ in range(rounds):
            for key, fit in (("ours", lambda: train(data, segmenter=seg)), ("base", lambda: baseline_fit(seg, data))):
                started = time.perf_counter()
                fit()
                best[key] = min(best[key], time.perf_counter() - started)
        k = len(data) / 1000
        chars = statistics.mean(len(t) for t, _ in data)
        print(f"{name:28} {len(data):>8} {chars:>10.0f} {best['ours']:>8.2f} {best['base']:>8.2f} "
              f"{best['ours'] / best['base']:>6.1f} {best['ours'] / k:>9.2f} {best['base'] / k:>9.2f}")


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
    parser.add_argument("--public", type=Path, default=None, help="a public text,label CSV (see PUBLIC)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the training-time measure")
    parser.add_argument("--skip-cv", action="store_true", help="leave out the cross-validation (section 2)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    logging.getLogger("jieba").setLevel(logging.WARNING)

    corpus = read_labelled_csv(DATA_DIR / "corpus.csv")
    heldout = read_labelled_csv(DATA_DIR / "heldout.csv")
    seg = Segmenter().warm_up()
    shipped = Classifier.load(segmenter=seg).warm_up()
    texts, gold = [t for t, _ in heldout], [lb for _, lb in heldout]
    print(f"segmenter backend: {seg.backend}; baseline: TF-IDF over the same tokens + LinearSVC (sklearn defaults)")

    print(f"\n== heldout ({len(heldout)} messages, {len(set(gold))} labels; trained on corpus.csv, {len(corpus)})")
    f1, acc = macro_f1(gold, [p.category for p in shipped.classify_many(texts)])
    print(f"ours, shipped model            macro-F1 {f1:.4f}  accuracy {acc:.4f}")
    f1, acc = macro_f1(gold, ours_predict(seg, corpus, texts, rules=False))
    print(f"ours, model only (no keywords) macro-F1 {f1:.4f}  accuracy {acc:.4f}")
    f1, acc = macro_f1(gold, baseline_predict(seg, corpus, texts))
    print(f"baseline TF-IDF(words)+SVM     macro-F1 {f1:.4f}  accuracy {acc:.4f}")

    if not args.skip_cv:
        print(f"\n== {args.folds}-fold cross-validation over corpus + heldout ({len(corpus) + len(heldout)} messages)")
        for name, scores in cross_validate(seg, corpus + heldout, args.folds).items():
            print(f"{name:38} macro-F1 {statistics.mean(scores):.4f} (+/- {statistics.pstdev(scores):.4f})")

    if args.public is not None:
        public_quality(seg, read_labelled_csv(args.public))
    else:
        print("\n== public set: none given (--public CSV); see PUBLIC in this script's docstring")

    training_times(seg, corpus + heldout, args.rounds)

    short = [t for t, _ in corpus + heldout if len(t) <= 20] * args.repeat
    mean_len = statistics.mean(len(t) for t in short)
    print(f"\n== throughput on one core: {len(short)} short messages (<= 20 chars, mean {mean_len:.1f})")
    jieba_seg = Segmenter(backend="jieba").warm_up()
    fns: dict[str, Callable[[], object]] = {"jieba": lambda: [jieba_seg.cut(t) for t in short]}
    if seg.backend != "jieba":
        fns[seg.backend] = lambda: [seg.cut(t) for t in short]
    fns.update({
        # classify() remembers recent texts, and these repeat: time the uncached single call.
        "one": lambda: [shipped.classify_many([t])[0] for t in short],
        "batch": lambda: [shipped.classify_many(short[i : i + 256]) for i in range(0, len(short), 256)],
    })
    r = rates(fns, len(short))
    print(f"bare jieba 0.42 (Segmenter.cut)  {r['jieba']:>9,.0f} msgs/s")
    if seg.backend != "jieba":
        print(f"bare {seg.backend} (Segmenter.cut)    {r[seg.backend]:>9,.0f} msgs/s  "
              f"({r[seg.backend] / r['jieba']:.1f} x jieba)")
    print(f"classify, one message a call     {r['one']:>9,.0f} msgs/s  ({r['one'] / r['jieba']:.2f} x jieba)")
    print(f"classify_many, batches of 256    {r['batch']:>9,.0f} msgs/s  ({r['batch'] / r['jieba']:.2f} x jieba)")


if __name__ == "__main__":
    main()
