"""One message's features counted once for both models: the numbers of each model's own path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nlp.address import strip_addresses
from nlp.classifier import Classifier
from nlp.dataset import read_labelled_csv
from nlp.explanation import explainable
from nlp.segmenter import Segmenter
from nlp.single.scoring import PairedScorer
from nlp.taxonomy import DATA_DIR
from nlp.textnorm import normalize


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load(segmenter=Segmenter().warm_up()).warm_up()


@pytest.fixture(scope="module")
def docs(clf: Classifier) -> list[tuple[list[str], str]]:
    rows = read_labelled_csv(DATA_DIR / "heldout.csv") + read_labelled_csv(DATA_DIR / "intent_heldout.csv")
    norms = [strip_addresses(normalize(t)) for t, _ in rows]
    # Repeated words and characters (their weights grow with log(tf)), digits, letters, nothing.
    norms += ["", "👍", "好好好好", "垃圾垃圾垃圾没人收", "5楼6楼7楼都漏水", "ktv ktv 太吵", "吵" * 80]
    return [(clf.segmenter.cut_normalized(n), n) for n in norms]


def close(a: list[float], b: list[float]) -> bool:
    """float64 here, float32 on the model's own path: equal to float32's precision."""
    return len(a) == len(b) and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))


def test_both_models_get_their_own_decisions(clf, docs) -> None:
    model, intent = clf.model, clf.intent_model
    assert intent is not None
    scorer = PairedScorer(model.features, model.weights, intent.text.features, intent.report_weights, intent.report_bias)
    for tokens, norm in docs:
        got = scorer.score(tokens, norm)
        ids, vals = model.features.transform(tokens, norm)
        want = (vals @ model.weights[ids]).tolist() if len(ids) else [0.0] * len(model.labels)
        assert close(got.decision, want) and got.seen == bool(len(ids)), norm
        decision, ids, contrib = intent.decision(tokens, norm)
        assert close([got.intent], [decision]), norm
        # Every feature's part in the intent decision, and what it stands for.
        texts = intent.text.features.texts()
        want_parts = sorted((str(texts[i]), c) for i, c in zip(ids.tolist(), contrib.tolist()) if c)
        got_parts = sorted((str(scorer.texts[r]), c) for r, c in zip(got.rows, got.intent_contributions()) if c)
        assert [t for t, _ in got_parts] == [t for t, _ in want_parts], norm
        assert close([c for _, c in got_parts], [c for _, c in want_parts]), norm


def test_the_strongest_features_for_each_label_are_the_models(clf, docs) -> None:
    model = clf.model
    texts, can_explain = model.features.texts(), explainable(model.features)
    scorer = PairedScorer(model.features, model.weights)
    for tokens, norm in docs[::7]:
        got = scorer.score(tokens, norm)
        ids, vals = model.features.transform(tokens, norm)
        for label in range(len(model.labels)):
            contrib = (vals * model.weights[ids, label]).tolist()
            want = sorted(((-round(c, 5), j, c) for j, c in zip(ids.tolist(), contrib) if c > 0 and can_explain[j]))
            found = got.strongest(label)
            assert [t for t, _ in found] == [texts[j] for _, j, _ in want], (norm, label)
            assert close([c for _, c in found], [c for _, _, c in want]), (norm, label)


def test_a_category_model_alone(clf, docs) -> None:
    model = clf.model
    scorer = PairedScorer(model.features, model.weights)
    for tokens, norm in docs:
        got = scorer.score(tokens, norm)
        ids, vals = model.features.transform(tokens, norm)
        want = (vals @ model.weights[ids]).tolist() if len(ids) else [0.0] * len(model.labels)
        assert close(got.decision, want) and got.intent is None and not any(got.intent_contributions())


TEXTS = ["楼道里堆满杂物", "谢谢", "你好，在吗", "电梯坏了，有人被困在里面", "我要投诉", "幸福路18号", "", "👍",
         "楼上装修电钻太吵了，天天吵", "There is rubbish everywhere"]


def test_without_an_intent_model_one_a_call_is_the_batch(clf) -> None:
    alone = Classifier(clf.model, segmenter=clf.segmenter, intent=None)
    assert [alone.classify_many([t])[0] for t in TEXTS] == alone.classify_many(TEXTS)


def test_an_intent_model_that_cuts_differently_keeps_its_own_path(clf) -> None:
    intent = clf.intent_model
    assert intent is not None
    space = dataclasses.replace(intent.text.features, char_hi=2)
    assert not PairedScorer.shares(clf.model.features, space)
    with pytest.raises(ValueError):
        PairedScorer(clf.model.features, clf.model.weights, space, intent.report_weights)
    other = dataclasses.replace(intent, text=dataclasses.replace(intent.text, features=space))
    mixed = Classifier(clf.model, segmenter=clf.segmenter, intent=other)
    assert [mixed.classify_many([t])[0] for t in TEXTS] == mixed.classify_many(TEXTS)
