"""The classifier's answers on a fixed corpus stay exactly what they were recorded as.

Every message of nlp/data/*.csv and every Chinese string literal of the test suite, plus odd
inputs, with the full Prediction each gave (category, confidence, keywords, urgency, request
kind, suggestions, intent, report score, intent cues) when recorded. Speed work on the
classifier must not change a single answer. Re-record only on purpose (a retrained model, a
new taxonomy), and say why in the commit:

    PYTHONPATH=. python -m tests.unit.nlp.test_classify_golden --record
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import re
import sys
from pathlib import Path

import pytest

from nlp.classifier import Classifier
from nlp.segmenter import Segmenter
from nlp.taxonomy import DATA_DIR

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).resolve().parent / "data" / "classify_golden.jsonl.gz"
_CJK = re.compile(r"[\u3400-\u9fff]")
ODD = ["", "   ", "👍", "？？", "123", "5栋2单元", "hello", "There is rubbish everywhere near building 5",
       "ＫＴＶ半夜太吵了！！！", "樓道裡堆滿雜物", "楼道\ud83d里有\x00垃圾", "楼上装修电钻太吵了，" * 80]


def corpus() -> list[str]:
    """The texts to record: data files, the suite's Chinese literals, odd inputs; sorted, unique."""
    texts: set[str] = set(ODD)
    for path in sorted(DATA_DIR.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            texts.update(row["text"] for row in csv.DictReader(fh) if row.get("text"))
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _CJK.search(node.value):
                if len(node.value) <= 2000:
                    texts.add(node.value)
    return sorted(texts)


def _dump(rows: list[dict]) -> bytes:
    lines = (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"), mtime=0)


def _load() -> list[dict]:
    text = gzip.decompress(GOLDEN.read_bytes()).decode("utf-8", "surrogatepass")
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load(segmenter=Segmenter().warm_up()).warm_up()


@pytest.fixture(scope="module")
def golden() -> list[dict]:
    return _load()


def same(a: object, b: object) -> bool:
    """Equal, except that numbers may differ in the last bits: the recorded floats come from
    numpy's exp/log on the recording CPU, and another CPU's libm may round the last bit apart."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1e-6 * max(1.0, abs(a))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def test_the_comparison_has_teeth() -> None:
    assert same({"c": 0.5, "k": ["井盖"]}, {"c": 0.5 + 1e-9, "k": ["井盖"]})
    assert not same({"c": 0.5}, {"c": 0.51}) and not same({"k": ["井盖"]}, {"k": ["垃圾"]})


def test_the_recorded_corpus_is_large(golden: list[dict]) -> None:
    assert len(golden) > 1500
    assert {r["prediction"]["intent"] for r in golden} == {"report", "unsure", "chat"}


def test_one_message_a_call_gives_the_recorded_answers(clf: Classifier, golden: list[dict]) -> None:
    changed = [(r["text"], r["prediction"], p) for r in golden
               if not same(p := clf.classify_many([r["text"]])[0].to_dict(), r["prediction"])]
    assert changed[:5] == [] and len(changed) == 0


def test_classify_gives_the_recorded_answers(clf: Classifier, golden: list[dict]) -> None:
    changed = [r["text"] for r in golden if not same(clf.classify(r["text"]).to_dict(), r["prediction"])]
    assert changed == []


def test_batches_give_the_recorded_answers(clf: Classifier, golden: list[dict]) -> None:
    texts = [r["text"] for r in golden]
    got = [p.to_dict() for i in range(0, len(texts), 256) for p in clf.classify_many(texts[i : i + 256])]
    changed = [(r["text"], r["prediction"], p) for r, p in zip(golden, got) if not same(p, r["prediction"])]
    assert changed[:5] == [] and len(changed) == 0


def record() -> None:
    clf = Classifier.load(segmenter=Segmenter().warm_up()).warm_up()
    rows = [{"text": t, "prediction": clf.classify_many([t])[0].to_dict()} for t in corpus()]
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(_dump(rows))
    print(f"recorded {len(rows)} predictions in {GOLDEN}")


if __name__ == "__main__" and "--record" in sys.argv:
    record()
