"""Address-like spans, taken out before keyword rules and features look at a message.

A place name says where, not what: in "垃圾站路5号门口井盖丢了" the 垃圾 of the road's name
must not make the report a 市容环境 one, nor 垃圾处理厂家属院 a rubbish complaint. Spans
removed (on normalised text, see textnorm):

- a road with a house number: 2-4 name characters + 路/街/大道/大街/巷/胡同/弄 + N号
  ("垃圾站路5号", "解放大街12号院");
- a named estate: 2-6 name characters + 小区/家属院/家属区/家属楼/花园/家园/苑/公寓/大厦/新村/宿舍
  ("滨江花园", "垃圾处理厂家属院"), with any building/unit numbers after it;
- building/unit numbers on their own ("5栋2单元", "3号楼", "1201室").

Name characters exclude pronouns, particles, determiners and the verbs that come before a
place, so a span does not reach back across "在/的/我/这/进/隔壁…" into the words describing
the problem ("垃圾堆在解放路3号" keeps 垃圾堆在, "孩子掉进小区的水池" keeps 孩子掉进). A road name without a number ("解放路上") is kept: "小区路灯" must keep 路灯.
"""

from __future__ import annotations

import functools
import re

# Characters that cannot be part of a place name: they belong to the sentence around it.
_NOT_NAME = (
    "在的了是到从往和与跟对给把被去来我你他她它们这那哪有没不很都也就还又再才要会能想"
    "说让叫请帮找看等吗呢吧啊呀哦嘛着过边旁里外上下前后门口面附近对个条座家"
    "进出入回走跑掉扔丢堆停倒搬住占围挡堵隔壁整全各本该此每"  # verbs and determiners before a place
)
_UNITS = r"(?:\d+(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|户|期|区))"
_ROAD = rf"(?:[^\W\d_{_NOT_NAME}]{{2,4}}?(?:大道|大街|路|街|巷|胡同|弄)\d+(?:号院|号)?{_UNITS}*)"
_ESTATE_KINDS = "小区|家属院|家属区|家属楼|花园|家园|苑|公寓|大厦|新村|宿舍"
_ESTATE = rf"(?:[^\W\d_{_NOT_NAME}]{{2,6}}?(?:{_ESTATE_KINDS})+{_UNITS}*)"
_BARE_UNITS = rf"(?:{_UNITS}+)"


@functools.cache
def _pattern() -> re.Pattern[str]:
    return re.compile(rf"{_ROAD}|{_ESTATE}|{_BARE_UNITS}")


@functools.cache
def _hint() -> re.Pattern[str]:
    """What every span needs: a digit (a road's house number, building numbers) or an estate's
    kind. Most messages have neither, and one scan for it is cheaper than the full pattern."""
    return re.compile(rf"\d|{_ESTATE_KINDS}")


def address_spans(norm_text: str) -> list[tuple[int, int]]:
    """(start, end) of every address-like span of normalised text, left to right, disjoint."""
    return [m.span() for m in _pattern().finditer(norm_text)] if _hint().search(norm_text) else []


def strip_addresses(norm_text: str) -> str:
    """The normalised text with each address-like span replaced by one space.

    A space (not nothing) keeps the words on either side apart: "幸福路5号门口" does not
    become a new word. Character features drop spaces; the segmenter drops space tokens.
    """
    if not norm_text or not _hint().search(norm_text):
        return norm_text
    return _pattern().sub(" ", norm_text)
