"""The shipped taxonomy and its loading from TOML or a config mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.taxonomy import CategorySpec, Taxonomy, TaxonomyError, load_taxonomy

EXPECTED = ("市容环境", "消防安全", "噪音扰民", "停车交通", "物业服务", "市政设施",
            "违法建设", "矛盾纠纷", "社会治安", "民生服务", "园林绿化", "其他")


def test_shipped_taxonomy_has_the_twelve_categories_in_order() -> None:
    tax = load_taxonomy()
    assert tax.names == EXPECTED
    assert all(spec.department for spec in tax.categories)
    assert tax.get("其他") is not None and tax.get("其他").keywords == ()
    assert all(len(spec.keywords) >= 20 for spec in tax.categories if spec.name != "其他")
    assert tax.get("消防安全").department == "消防"
    assert tax.get("不存在") is None


def test_shipped_cues() -> None:
    tax = load_taxonomy()
    assert set(tax.request_kinds) == {"咨询", "求助", "投诉", "举报", "建议"}
    for word in ("起火", "着火", "燃气泄漏", "有人受伤", "被困", "触电", "坍塌"):
        assert word in tax.urgent_words


def test_from_mapping_same_shape_as_toml() -> None:
    tax = Taxonomy.from_mapping({
        "urgent_words": ["起火", " 起火 ", ""],
        "request_kinds": {"咨询": ["请问"]},
        "category": [
            {"name": "环境", "department": "城管", "keywords": ["垃圾", "垃圾"]},
            {"name": "其他"},
        ],
    })
    assert tax.names == ("环境", "其他")
    assert tax.categories[0] == CategorySpec("环境", ("垃圾",), "城管")
    assert tax.urgent_words == ("起火",)
    assert tax.request_kinds == {"咨询": ("请问",)}


@pytest.mark.parametrize("bad", [
    {},
    {"category": []},
    {"category": [{"keywords": ["x"]}]},
    {"category": [{"name": "a"}, {"name": "a"}]},
    {"category": [{"name": "a", "keywords": "垃圾"}]},
    {"category": [{"name": "a"}], "request_kinds": ["咨询"]},
])
def test_from_mapping_rejects_bad_shapes(bad: dict) -> None:
    with pytest.raises(TaxonomyError):
        Taxonomy.from_mapping(bad)


def test_load_a_custom_file(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('urgent_words = ["救命"]\n[[category]]\nname = "甲"\nkeywords = ["一"]\n', encoding="utf-8")
    assert load_taxonomy(path).names == ("甲",)
    path.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(TaxonomyError):
        load_taxonomy(path)


def test_cue_words_are_found_everywhere_they_occur_longest_first() -> None:
    from nlp.rules import CueRules, PhraseMatcher

    matcher = PhraseMatcher(["垃圾", "垃圾站", "电梯", "电梯困人", "困人", ""])
    assert matcher.find("电梯困人了,垃圾站旁也有垃圾") == [
        (0, 4, "电梯困人"), (0, 2, "电梯"), (2, 4, "困人"), (6, 9, "垃圾站"), (6, 8, "垃圾"), (12, 14, "垃圾"),
    ]
    empty = PhraseMatcher([""])
    assert not empty and empty.find("垃圾") == []
    # A cadre's taxonomy with no keywords at all still scans.
    bare = Taxonomy.from_mapping({"category": [{"name": "其他", "department": "街道", "keywords": []}]})
    assert CueRules(bare).scan("电梯坏了").categories == {}
