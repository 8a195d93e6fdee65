"""Training, saving, loading and evaluating, on small synthetic label sets unrelated to ours."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.classifier import Classifier
from nlp.model import ModelError, TextModel
from nlp.segmenter import Segmenter
from nlp.training import evaluate, prepare, save, train

ROOT = Path(__file__).resolve().parents[3]

WORDS = {
    "水果": ["苹果", "香蕉", "葡萄", "西瓜", "橘子", "草莓", "芒果", "桃子"],
    "车辆": ["汽车", "卡车", "公交车", "自行车", "摩托车", "火车", "出租车", "地铁"],
    "动物": ["小狗", "小猫", "兔子", "老虎", "熊猫", "大象", "猴子", "鹦鹉"],
}
FRAMES = ["我很喜欢{}", "昨天看到了{}", "{}真不错", "你见过这种{}吗", "这里有很多{}"]


def synthetic(seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = [(frame.format(w), label) for label, ws in WORDS.items() for w in ws for frame in rng.sample(FRAMES, 3)]
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter().warm_up()


@pytest.fixture(scope="module")
def model(seg: Segmenter) -> TextModel:
    return train(synthetic(), segmenter=seg)


PROBES = ["我想吃葡萄和西瓜", "公交车来了", "熊猫在睡觉", "今天天气不错", "", "🚗🚗", "Apple"]


def test_round_trip_gives_the_same_predictions(model: TextModel, seg: Segmenter, tmp_path: Path) -> None:
    before = Classifier(model, segmenter=seg).classify_many(PROBES)
    save(model, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["model.json", "model.npz"]
    loaded = Classifier.load(tmp_path / "m", segmenter=seg)
    assert loaded.labels == model.labels == ("动物", "水果", "车辆")
    assert loaded.classify_many(PROBES) == before
    assert [p.category for p in before[:3]] == ["水果", "车辆", "动物"]
    assert np.array_equal(loaded.model.weights, model.weights)
    assert loaded.model.temperature == model.temperature


def test_saved_model_infers_without_scikit_learn(model: TextModel, tmp_path: Path) -> None:
    save(model, tmp_path / "m")
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None; sys.modules['scipy'] = None  # any import of them now fails\n"
        "from nlp.classifier import Classifier\n"
        f"print(Classifier.load({str(tmp_path / 'm')!r}).classify('公交车来了').category)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "车辆"


def test_single_and_batch_vectors_agree(model: TextModel, seg: Segmenter) -> None:
    docs = prepare(PROBES + [t for t, _ in synthetic(1)], seg)
    rows, ids, vals = model.features.batch(docs)
    for k, doc in enumerate(docs):
        i1, v1 = model.features.transform(*doc)
        order = np.argsort(i1)
        assert np.array_equal(i1[order], ids[rows == k])
        assert np.allclose(v1[order], vals[rows == k], atol=1e-6)


def test_train_needs_two_labels(seg: Segmenter) -> None:
    with pytest.raises(ValueError):
        train([("一句话", "甲"), ("又一句", "甲")], segmenter=seg)


def test_train_with_fixed_parameters_and_no_calibration(seg: Segmenter) -> None:
    m = train(synthetic(), segmenter=seg, c=1.0, char_weight=1.0, calibrate=False)
    assert m.temperature == 1.0 and m.rule_weight == 0.0
    assert m.info["c"] == 1.0


def test_loading_a_missing_model_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model"):
        TextModel.load(tmp_path)


class _Fixed:
    """A stand-in classifier that answers from a table, to check the metric arithmetic."""

    labels = ("a", "b")

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def warm_up(self) -> _Fixed:
        return self

    def classify_many(self, texts):  # noqa: ANN001, ANN201
        from nlp.prediction import Prediction

        return [Prediction(self.answers[t], 1.0, (), False, (), "投诉", ((self.answers[t], 1.0),)) for t in texts]


def test_evaluate_arithmetic() -> None:
    rows = [("1", "a"), ("2", "a"), ("3", "b"), ("4", "b")]
    report = evaluate(_Fixed({"1": "a", "2": "b", "3": "b", "4": "b"}), rows)  # type: ignore[arg-type]
    assert report["n"] == 4
    assert report["accuracy"] == 0.75
    assert report["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert report["per_class"]["b"]["f1"] == 0.8
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert report["confusion"] == {"labels": ["a", "b"], "matrix": [[1, 1], [0, 2]]}
    assert report["msgs_per_s"] > 0


def test_evaluate_on_a_trained_model(model: TextModel, seg: Segmenter) -> None:
    report = evaluate(Classifier(model, segmenter=seg), synthetic(seed=3))
    assert set(report) >= {"accuracy", "macro_f1", "per_class", "confusion", "msgs_per_s", "n"}
    assert report["macro_f1"] >= 0.9


def test_training_is_deterministic_and_searches_no_grid_by_default(model: TextModel, seg: Segmenter) -> None:
    again = train(synthetic(), segmenter=seg)
    assert np.array_equal(again.weights, model.weights) and np.array_equal(again.bias, model.bias)
    assert (again.temperature, again.rule_weight) == (model.temperature, model.rule_weight)
    assert model.info["grid_cv_macro_f1"] == {}
    assert (model.info["c"], model.info["word_weight"], model.info["char_weight"]) == (0.5, 1.0, 2.0)
    assert model.info["cv_macro_f1"] is not None  # calibrated on out-of-fold decisions


def test_search_tries_the_grid_and_keeps_the_best(seg: Segmenter) -> None:
    searched = train(synthetic(), segmenter=seg, search=True)
    scores = searched.info["grid_cv_macro_f1"]
    assert len(scores) == 6
    best = max(scores.values())
    ww, cw, c = searched.info["word_weight"], searched.info["char_weight"], searched.info["c"]
    assert scores[f"w{ww:g}/c{cw:g}/C{c:g}"] == best


def test_one_pass_features_match_fit_then_matrix(seg: Segmenter) -> None:
    from nlp.features import FeatureSpace

    docs = prepare([t for t, _ in synthetic()] + ["", "🚗", "苹果苹果苹果"], seg)
    for min_df in (1, 2):
        space, X = FeatureSpace.fit_matrix(docs, min_df=min_df)
        apart = FeatureSpace.fit(docs, min_df=min_df)
        assert space.word_index == apart.word_index
        assert np.array_equal(space.char_keys, apart.char_keys)
        assert np.allclose(space.word_idf, apart.word_idf) and np.allclose(space.char_idf, apart.char_idf)
        assert abs(X - apart.matrix(docs)).max() == 0.0


def test_training_reports_progress_in_steps_up_to_the_total(seg: Segmenter) -> None:
    calls: list[tuple[int, int]] = []
    train(synthetic(), segmenter=seg, on_progress=lambda done, total: calls.append((done, total)))
    total = calls[0][1]
    # each tenth of the messages, the features, 3 calibration folds, the final fit and calibration
    assert [d for d, _ in calls] == list(range(1, total + 1)) and {t for _, t in calls} == {total}
    assert total == 10 + 1 + 3 + 1


def test_a_search_reports_each_candidates_folds(seg: Segmenter) -> None:
    calls: list[tuple[int, int]] = []
    train(synthetic(), segmenter=seg, search=True, on_progress=lambda done, total: calls.append((done, total)))
    assert [d for d, _ in calls] == list(range(1, calls[0][1] + 1))
    assert calls[0][1] == 10 + 1 + 6 * 3 + 1
