"""Segmentation: a private jieba Tokenizer with the governance vocabulary, normalised output."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.dataset import read_labelled_csv
from nlp.segmenter import BACKENDS, DEFAULT_USERDICT, Segmenter, default_backend, read_userdict
from nlp.textnorm import normalize

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter().warm_up()


def test_nothing_built_until_asked() -> None:
    s = Segmenter()
    assert not s.ready
    s.warm_up()
    assert s.ready


def test_importing_nlp_builds_nothing_and_pulls_no_bot_stack() -> None:
    code = (
        "import sys, nlp, nlp.cli, nlp.training, nlp.classifier\n"
        "assert 'jieba' not in sys.modules, 'jieba imported at import time'\n"
        "assert 'rjieba' not in sys.modules, 'rjieba imported at import time'\n"
        "assert not any(m.split('.')[0] in ('aiogram', 'sqlalchemy') for m in sys.modules)\n"
        "assert 'sklearn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("word", [
    "楼道", "飞线充电", "消防通道", "占道经营", "广场舞", "化粪池", "电瓶车", "私搭乱建", "井盖", "路灯",
    "高空抛物", "网格员", "僵尸车", "毁绿种菜", "二次供水",
])
def test_userdict_keeps_governance_words_whole(seg: Segmenter, word: str) -> None:
    tokens = seg.cut(f"我们小区有{word}的问题")
    assert word in tokens, tokens


def test_userdict_is_large_and_parses() -> None:
    entries = read_userdict(DEFAULT_USERDICT)
    assert len(entries) >= 150
    assert all(word and " " not in word for word, _, _ in entries)


def test_cut_normalises(seg: Segmenter) -> None:
    tokens = seg.cut("ＫＴＶ太吵了！！！😡😡  ５栋…")
    assert "ktv" in tokens
    assert "5" in tokens
    assert all(t.strip() and t not in {"!", "！", "…", "😡"} for t in tokens)
    assert seg.cut("") == []
    assert seg.cut("😀🙏 ，。！") == []


def test_traditional_characters_become_simplified(seg: Segmenter) -> None:
    assert normalize("樓道裡電動車充電") == "楼道里电动车充电"
    assert "楼道" in seg.cut("樓道裡堆滿雜物")


def test_extra_words_and_cache_dir(tmp_path: Path) -> None:
    s = Segmenter(extra_words=["蹦迪扰民团"], cache_dir=tmp_path, backend="jieba")
    assert "蹦迪扰民团" in s.cut("楼上蹦迪扰民团又来了")
    assert list(tmp_path.iterdir()), "jieba's prefix-dictionary cache goes to the given folder"


def test_without_userdict() -> None:
    s = Segmenter(use_userdict=False)
    assert "飞线充电" not in s.cut("有人飞线充电")


# -- backends: rjieba (jieba-rs) and jieba cut alike -------------------------------------------

rjieba_only = pytest.mark.skipif(importlib.util.find_spec("rjieba") is None, reason="rjieba not installed")


@pytest.fixture(scope="module")
def both() -> tuple[Segmenter, Segmenter]:
    return Segmenter(backend="jieba").warm_up(), Segmenter(backend="rjieba").warm_up()


def _messages() -> list[str]:
    data = ROOT / "nlp" / "data"
    texts: list[str] = []
    for name in ("corpus.csv", "heldout.csv", "intent_chat.csv", "intent_heldout.csv", "intent_reports.csv",
                 "intent_heldout_long.csv"):
        texts += [t for t, _ in read_labelled_csv(data / name)]
    return texts


def test_the_default_backend_is_rjieba_when_installed() -> None:
    expected = "rjieba" if importlib.util.find_spec("rjieba") is not None else "jieba"
    assert default_backend() == expected
    assert Segmenter().backend == expected
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        Segmenter(backend="thulac")


@rjieba_only
def test_rjieba_cuts_every_message_of_ours_as_jieba_does(both: tuple[Segmenter, Segmenter]) -> None:
    jieba_seg, rjieba_seg = both
    texts = _messages()
    assert len(texts) > 1500
    differ = [(t, a, b) for t in texts if (a := jieba_seg.cut(t)) != (b := rjieba_seg.cut(t))]
    assert differ == []


@rjieba_only
@pytest.mark.parametrize("backend", BACKENDS)
def test_each_backend_knows_the_user_words_and_added_ones(backend: str) -> None:
    s = Segmenter(backend=backend, extra_words=["蹦迪扰民团"])
    assert s.backend == backend
    assert "飞线充电" in s.cut("有人飞线充电")
    assert "蹦迪扰民团" in s.cut("楼上蹦迪扰民团又来了")
    assert "拐角杂物山" not in s.cut("楼道拐角杂物山堆着")
    s.add_words(["拐角杂物山"])
    assert "拐角杂物山" in s.cut("楼道拐角杂物山堆着")
    assert "飞线充电" not in Segmenter(backend=backend, use_userdict=False).cut("有人飞线充电")
    assert s.cut("ＫＴＶ太吵了！！！😡😡  ５栋…") == ["ktv", "太吵", "了", "5", "栋"]
    assert s.cut("") == [] and s.cut("😀🙏 ，。！") == []


@rjieba_only
def test_rjieba_keeps_dotted_and_hyphenated_runs_whole_where_jieba_splits(both: tuple[Segmenter, Segmenter]) -> None:
    # The one known difference, on long texts only: standard numbers, URLs, time ranges.
    jieba_seg, rjieba_seg = both
    assert "gb50500-2013" in rjieba_seg.cut("根据gb50500-2013规定")
    assert "gb50500-2013" not in jieba_seg.cut("根据gb50500-2013规定")


@rjieba_only
def test_the_first_rjieba_segmenter_takes_the_dictionary_rjieba_already_built() -> None:
    # rjieba's import builds a dictionary for its module-level functions (24 MB): the bot's one
    # segmenter takes it instead of building a second. Later segmenters still get their own.
    code = (
        "import rjieba\n"
        "from nlp.segmenter import Segmenter\n"
        "first = Segmenter(backend='rjieba').warm_up()\n"
        "second = Segmenter(backend='rjieba', use_userdict=False, extra_words=['蹦迪扰民团']).warm_up()\n"
        "assert first._tokenizer is rjieba._DEFAULT_JIEBA, 'a second dictionary was built'\n"
        "assert second._tokenizer is not first._tokenizer\n"
        "assert '飞线充电' in first.cut('有人飞线充电') and '飞线充电' not in second.cut('有人飞线充电')\n"
        "assert '蹦迪扰民团' in second.cut('楼上蹦迪扰民团又来了')\n"
        "assert '蹦迪扰民团' not in first.cut('楼上蹦迪扰民团又来了')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
