"""Benchmark of the intent decision (a script, not a test).

    PYTHONPATH=. python bench/intent.py [--repeat 5]

Prints, measured in one run:
1. on real-style complaints (every row of nlp/data/corpus.csv and nlp/data/heldout.csv but
   the fallback category 其他, whose rows are greetings and questions): the share classified
   report (goal >= 97%), unsure, and chat (goal <= 0.5%); corpus.csv is in the intent model's
   training data, heldout.csv is not, so both are shown apart and together;
2. on nlp/data/intent_heldout.csv (everyday non-reports, never trained on): the share chat
   (goal >= 90%) and chat + unsure (goal >= 98%); beside it, without a goal,
   nlp/data/intent_heldout_long.csv (never trained on): longer small talk, and complaints
   outside our categories (schools, wages, hospitals...);
3. the time of one classify() call (without its cache of recent texts) with the intent model
   and, as the baseline, with the same category model and no intent model;
4. every misclassified message, with its report score and cues.
With ``--real CSV`` (a ``text,...`` file of real residents' messages to a government
platform, that we did not write: see PUBLIC in bench/classify.py), section 1 also shows that
set; its messages are all meant for the authorities, so the same goals hold.
"""

from __future__ import annotations

import os

# One core: no BLAS threads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.classifier import Classifier
from nlp.dataset import read_labelled_csv
from nlp.intent_training import HELDOUT_FILE, HELDOUT_LONG_FILE
from nlp.prediction import Prediction
from nlp.taxonomy import DATA_DIR, FALLBACK_CATEGORY

GOALS = {"report": 0.97, "chat_in_complaints": 0.005, "chat": 0.90, "chat_or_unsure": 0.98}


def complaints(name: str) -> list[str]:
    return [t for t, label in read_labelled_csv(DATA_DIR / name) if label != FALLBACK_CATEGORY]


def shares(preds: list[Prediction]) -> dict[str, float]:
    n = len(preds) or 1
    return {k: sum(p.intent == k for p in preds) / n for k in ("report", "unsure", "chat")}


def line(name: str, preds: list[Prediction]) -> str:
    s = shares(preds)
    return (f"  {name:<34} n={len(preds):>4}  report {s['report']:7.2%}  unsure {s['unsure']:7.2%}  "
            f"chat {s['chat']:7.2%}")


def per_call_us(clf: Classifier, texts: list[str]) -> float:
    """Mean microseconds of one classify() call, without the cache of recent texts."""
    started = time.perf_counter()
    for t in texts:
        clf.classify_many([t])  # what classify() does on a cache miss
    return (time.perf_counter() - started) / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds (median shown)")
    parser.add_argument("--real", type=Path, default=None, help="a CSV of real residents' messages (text column)")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)

    clf = Classifier.load().warm_up()
    base = Classifier.load(segmenter=clf.segmenter, intent=False).warm_up()  # same model, no intent

    corpus, held = complaints("corpus.csv"), complaints("heldout.csv")
    chat = [t for t, _ in read_labelled_csv(HELDOUT_FILE)]
    p_corpus, p_held, p_chat = clf.classify_many(corpus), clf.classify_many(held), clf.classify_many(chat)
    p_all = p_corpus + p_held

    print("intent on real-style complaints (category other than 其他)")
    print(line("corpus.csv (trained on)", p_corpus))
    print(line("heldout.csv (not trained on)", p_held))
    print(line("both", p_all))
    p_real: list[Prediction] = []
    if args.real is not None:
        real = [t for t, _ in read_labelled_csv(args.real)]
        p_real = clf.classify_many(real)
        print(line(f"{args.real.name} (real, not ours)", p_real))
    s_all, s_chat = shares(p_all), shares(p_chat)
    print("intent on everyday non-reports")
    print(line("intent_heldout.csv (not trained on)", p_chat))
    long_rows = read_labelled_csv(HELDOUT_LONG_FILE)
    print("longer messages (intent_heldout_long.csv, not trained on; no goal)")
    for label, name in (("chat", "small talk"), ("report", "complaints outside our categories")):
        print(line(name, clf.classify_many([t for t, lb in long_rows if lb == label])))
    print()
    checks = [
        ("complaints classified report", s_all["report"], ">=", GOALS["report"]),
        ("complaints classified chat", s_all["chat"], "<=", GOALS["chat_in_complaints"]),
        ("non-reports classified chat", s_chat["chat"], ">=", GOALS["chat"]),
        ("non-reports classified chat or unsure", s_chat["chat"] + s_chat["unsure"], ">=", GOALS["chat_or_unsure"]),
    ]
    if p_real:
        s_real = shares(p_real)
        checks += [("real messages classified report", s_real["report"], ">=", GOALS["report"]),
                   ("real messages classified chat", s_real["chat"], "<=", GOALS["chat_in_complaints"])]
    for name, value, op, goal in checks:
        ok = value >= goal if op == ">=" else value <= goal
        print(f"  {name:<40} {value:7.2%}   goal {op} {goal:.1%}   {'met' if ok else 'NOT MET'}")

    texts = corpus + held + chat
    rounds: dict[str, list[float]] = {"baseline (no intent)": [], "with intent": []}
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        rounds["baseline (no intent)"].append(per_call_us(base, texts))
        rounds["with intent"].append(per_call_us(clf, texts))
    b, w = (statistics.median(v) for v in rounds.values())
    print()
    print(f"classify() per call over {len(texts)} messages, median of {args.repeat} rounds, same run:")
    print(f"  baseline (no intent) {b:8.1f} us")
    print(f"  with intent          {w:8.1f} us   (+{w - b:.1f} us, x{w / b:.2f})")

    print()
    print("complaints not classified report:")
    for t, p in zip(corpus + held, p_all):
        if p.intent != "report":
            print(f"  [{p.intent:<6} {p.report_score:.3f}] {t}   cues: {', '.join(p.intent_cues) or '-'}")
    if p_real:
        print("real messages not classified report:")
        for t, p in zip(real, p_real):
            if p.intent != "report":
                print(f"  [{p.intent:<6} {p.report_score:.3f}] {t}   cues: {', '.join(p.intent_cues) or '-'}")
    print("non-reports not classified chat:")
    for t, p in zip(chat, p_chat):
        if p.intent != "chat":
            print(f"  [{p.intent:<6} {p.report_score:.3f}] {t}   cues: {', '.join(p.intent_cues) or '-'}")


if __name__ == "__main__":
    main()
