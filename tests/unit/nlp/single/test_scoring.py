"""One message's features counted once for both models: the very numbers of each model's own path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nlp.address import strip_addresses
from nlp.classifier import Classifier
from nlp.dataset import read_labelled_csv
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
    norms = [strip_addresses(normalize(t)) for t, _ in rows] + ["", "好好好好", "垃圾垃圾垃圾没人收"]
    return [(clf.segmenter.cut_normalized(n), n) for n in norms]


def test_both_models_get_bit_for_bit_their_own_features_and_decisions(clf, docs) -> None:
    model, intent = clf.model, clf.intent_model
    assert intent is not None
    scorer = PairedScorer(model.features, model.weights, intent.text.features)
    for tokens, norm in docs:
        got = scorer.score(tokens, norm)
        ids, vals = model.features.transform(tokens, norm)
        assert np.array_equal(got.ids, ids) and got.vals.tobytes() == vals.tobytes(), norm
        want = (vals @ model.weights[ids]).tolist() if len(ids) else [0.0] * len(model.labels)
        assert got.decision == want, norm
        ids, vals = intent.text.features.transform(tokens, norm)
        assert np.array_equal(got.intent_ids, ids) and got.intent_vals.tobytes() == vals.tobytes(), norm
        assert intent.decision_of(got.intent_ids, got.intent_vals)[0] == intent.decision(tokens, norm)[0]


def test_a_category_model_alone(clf, docs) -> None:
    model = clf.model
    scorer = PairedScorer(model.features, model.weights)
    for tokens, norm in docs:
        got = scorer.score(tokens, norm)
        ids, vals = model.features.transform(tokens, norm)
        assert np.array_equal(got.ids, ids) and got.vals.tobytes() == vals.tobytes()
        assert len(got.intent_ids) == 0


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
        PairedScorer(clf.model.features, clf.model.weights, space)
    other = dataclasses.replace(intent, text=dataclasses.replace(intent.text, features=space))
    mixed = Classifier(clf.model, segmenter=clf.segmenter, intent=other)
    assert [mixed.classify_many([t])[0] for t in TEXTS] == mixed.classify_many(TEXTS)
