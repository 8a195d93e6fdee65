"""Place names say where, not what: address spans must not decide a category."""

from __future__ import annotations

import pytest

from nlp.address import strip_addresses
from nlp.classifier import Classifier


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load().warm_up()


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("垃圾站路5号门口井盖丢了", " 门口井盖丢了"),
        ("垃圾处理厂家属院3栋楼道灯坏了", " 楼道灯坏了"),
        ("滨江花园小区5栋2单元电梯坏了", " 电梯坏了"),
        ("垃圾堆在解放路3号门口", "垃圾堆在 门口"),  # the span stops at 在: the problem words stay
        ("3号楼楼道堆满杂物", " 楼道堆满杂物"),
    ],
)
def test_address_spans_are_removed(text: str, left: str) -> None:
    assert strip_addresses(text) == left


@pytest.mark.parametrize("text", ["小区路灯不亮", "人民公园的树倒了", "到处都是垃圾", "解放路上有个大坑", "小区门口的垃圾没人收"])
def test_words_that_only_look_like_places_stay(text: str) -> None:
    assert strip_addresses(text) == text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("垃圾站路5号门口井盖丢了", "市政设施"),
        ("垃圾处理厂家属院门口井盖丢了", "市政设施"),
        ("垃圾处理厂家属院2号楼的路灯一直不亮", "市政设施"),
        ("消防路8号门口有人乱扔垃圾", "市容环境"),
    ],
)
def test_a_place_name_does_not_decide_the_category(clf: Classifier, text: str, category: str) -> None:
    pred = clf.classify(text)
    assert pred.category == category
    assert "垃圾站" not in pred.keywords and "消防" not in "".join(pred.keywords)
