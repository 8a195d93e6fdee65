"""Instructions per single-call classification, counted by valgrind (a script, not a test).

    PYTHONPATH=. python bench/classify_instructions.py [--against CHECKOUT] [--passes 2]

Wall-clock rates on a shared 2-core machine swing by a factor of two from one minute to the
next; the number of instructions a message costs does not. For each subject, a child process
loads the classifier and runs over the short messages of corpus + heldout (<= 20 chars) once,
then ``1 + passes`` times, both under ``valgrind --tool=callgrind``; the difference divided by
``passes`` x messages is the cost of one message, start-up left out. Subjects:
- bare rjieba and bare jieba 0.42 (``Segmenter.cut``): the reference;
- ``classify_many([text])`` (the single call intake makes, cues left unread);
- the same, reading ``intent_cues`` too (what a chat reply costs);
- with ``--against``, the single call of another checkout's nlp package (e.g. a worktree of
  main), for a before/after ratio from the same run.
Needs valgrind (Debian package ``valgrind``); takes a few minutes (callgrind runs ~50x slower).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = ("rjieba", "jieba", "one", "one+cues")


def child(subject: str, repeat: int) -> None:
    """Runs in the child: load, then ``repeat`` passes of ``subject`` over the short messages."""
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    sys.path.insert(0, os.getcwd())  # the checkout under test: ours, or --against's
    from nlp.classifier import Classifier
    from nlp.dataset import read_labelled_csv
    from nlp.segmenter import Segmenter
    from nlp.taxonomy import DATA_DIR

    rows = read_labelled_csv(DATA_DIR / "corpus.csv") + read_labelled_csv(DATA_DIR / "heldout.csv")
    short = [t for t, _ in rows if len(t) <= 20]
    if subject in ("rjieba", "jieba"):
        seg = Segmenter(backend=subject).warm_up()
        run = lambda: [seg.cut(t) for t in short]  # noqa: E731
    else:
        clf = Classifier.load().warm_up()
        if subject == "one":
            run = lambda: [clf.classify_many([t])[0] for t in short]  # noqa: E731
        else:
            run = lambda: [clf.classify_many([t])[0].intent_cues for t in short]  # noqa: E731
    for _ in range(repeat):
        run()
    print(len(short))


def instructions(subject: str, repeat: int, cwd: Path) -> tuple[int, int]:
    """(instructions collected, messages per pass) of one child run under callgrind."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           sys.executable, str(Path(__file__).resolve()), "--child", subject, str(repeat)]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count for {subject}:\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(done.stdout.split()[-1])


def per_message(subject: str, passes: int, cwd: Path) -> float:
    base, n = instructions(subject, 1, cwd)
    more, _ = instructions(subject, 1 + passes, cwd)
    return (more - base) / passes / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, default=None, help="another checkout whose single call to count too")
    parser.add_argument("--passes", type=int, default=2, help="extra passes over the messages, counted")
    parser.add_argument("--child", nargs=2, metavar=("SUBJECT", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    counts = {s: per_message(s, args.passes, ROOT) for s in SUBJECTS}
    if args.against is not None:
        counts["against"] = per_message("one", args.passes, args.against.resolve())
    print("== instructions per short message (callgrind; fewer is faster)")
    for name, label in (("rjieba", "bare rjieba (Segmenter.cut)"), ("jieba", "bare jieba 0.42 (Segmenter.cut)"),
                        ("one", "classify, one message a call"), ("one+cues", "  the same, intent_cues read")):
        print(f"{label:34} {counts[name]:>10,.0f}  ({counts[name] / counts['jieba']:.2f} x jieba)")
    if args.against is not None:
        print(f"{str(args.against) + ', one a call':34} {counts['against']:>10,.0f}  "
              f"(this checkout {counts['against'] / counts['one']:.2f} x fewer)")


if __name__ == "__main__":
    main()
