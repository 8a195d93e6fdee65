"""Urgency a resident would expect: someone trapped, collapsed, fallen, a gas smell...

Phrasings the fixed urgent words miss are caught by the taxonomy's urgent_patterns; messages
sharing their words (困难, 煤气费, 防止老人摔倒) must stay non-urgent.
"""

from __future__ import annotations

import pytest

from nlp.classifier import Classifier
from nlp.taxonomy import Taxonomy, TaxonomyError

URGENT = [
    "电梯困人",
    "电梯困了人十分钟了",
    "3号楼电梯困住人了，快来",
    "电梯里困着一个老人",
    "有人被困在电梯里出不来",
    "电梯卡在两层中间，里面有人",
    "有人晕倒了",
    "楼下有个老人晕倒在地上",
    "有老人摔倒了起不来",
    "老太太在楼道里摔倒了爬不起来",
    "路边一个大爷倒地了没反应",
    "小孩昏过去了",
    "有人昏倒在公交站",
    "煤气味很重",
    "楼道里一股很重的煤气味",
    "家里好像燃气泄露了",
    "厨房天然气在漏，味道很大",
    "闻到一股液化气的味道",
    "有人被车撞了躺在路上",
    "孩子掉进小区的水池里了",
    "老人走丢了，找了一上午",
    "孩子不见了，帮忙找找",
    "楼顶在冒黑烟",
    "有人拿刀在小区里追人",
    "楼下有个男子抽搐口吐白沫",
    "电线掉下来有人触电了",
    # an elevator stopped with someone inside, said without 困
    "电梯卡住了里面有小孩",
    "电梯停了，里面有个老人",
    "电梯突然停了，我妈在里面",
    "电梯门打不开，孩子在里面",
    # collapsed, by whoever it is, said as residents say it (a tester's phrasings)
    "我爸昏过去了",
    "我爸突然昏过去了怎么办",
    "邻居大爷叫不醒了",
    "老人倒在楼梯上叫不醒",
    "隔壁老人好像不行了，没气了",
    "有人喝多了躺在路边一动不动",
    "有人心脏病发作了快叫救护车",
    "有人突发心梗",
    # a child shut in somewhere, sparks
    "小孩被锁在车里了",
    "小孩卡在防盗窗里了",
    "电线冒火花了",
    "插座烧了有火花",
]

NOT_URGENT = [
    "家里困难的人怎么申请低保",
    "贫困人口的补贴什么时候发",
    "我困了，明天再说",
    "困扰我们很久的噪音问题，希望解决",
    "电梯坏了，还好没有人被困",
    "建议楼道加装扶手，防止老人摔倒",
    "煤气费在哪里交",
    "燃气公司什么时候来抄表",
    "天然气管道改造把路挖得乱七八糟",
    "楼道里堆了好几个煤气罐",
    "倒垃圾的人太多了，垃圾桶满了",
    "有人在楼上摔东西，很吵",
    "老人的钥匙丢了能帮忙开门吗",
    "手机掉进下水道了",
    # someone in an elevator doing something: not trapped
    "电梯里有人抽烟",
    "电梯里有人贴小广告",
    "电梯里面有人乱扔垃圾",
    # the same words, nothing happening to anyone
    "救护车通道被车堵了",
    "这个办法不行了",
    "老人躺在椅子上晒太阳",
    "我爸妈想申请养老补贴",
    "小孩被锁在门外没带钥匙",
]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load().warm_up()


@pytest.mark.parametrize("text", URGENT)
def test_urgent(clf: Classifier, text: str) -> None:
    pred = clf.classify(text)
    assert pred.urgent and pred.urgent_words, text
    assert pred.intent == "report"  # an emergency is never small talk


@pytest.mark.parametrize("text", NOT_URGENT)
def test_not_urgent_though_sharing_words(clf: Classifier, text: str) -> None:
    pred = clf.classify(text)
    assert not pred.urgent, (text, pred.urgent_words)


def test_the_brief_examples_name_what_made_them_urgent(clf: Classifier) -> None:
    assert "困人" in clf.classify("电梯困人").urgent_words
    assert "困了人" in clf.classify("困了人十分钟").urgent_words
    assert any("晕倒" in w for w in clf.classify("有人晕倒").urgent_words)
    assert any("起不来" in w for w in clf.classify("有老人摔倒了起不来").urgent_words)
    assert "煤气味" in clf.classify("煤气味很重").urgent_words


def test_an_invalid_pattern_is_refused() -> None:
    with pytest.raises(TaxonomyError, match="urgent_patterns"):
        Taxonomy.from_mapping({"urgent_patterns": ["困(人"], "category": [{"name": "甲", "keywords": ["一"]}]})
