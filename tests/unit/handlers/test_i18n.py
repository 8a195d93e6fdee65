"""The English catalog against its Chinese sources, and the translation helpers."""
from __future__ import annotations

import re
import string

import pytest

from handlers import texts
from handlers.shared import i18n_tools
from handlers.shared.i18n import (
    T,
    action_label,
    category_label,
    create_i18n,
    note_label,
    role_label,
    speaking,
    state_label,
)
from organisation.languages import from_telegram, parse_locale
from tickets.lifecycle import Action, State
from tickets.policy import Role

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog():
    return i18n_tools.read_catalog()


@pytest.fixture(scope="module")
def i18n():
    return create_i18n()


def constants() -> list[str]:
    return [name for name, value in vars(texts).items() if name.isupper() and isinstance(value, str) and value]


def test_every_msgid_has_an_english_translation(catalog):
    report = i18n_tools.check()
    assert report.missing == [], "run `python -m handlers.shared.i18n_tools update` and translate"
    assert report.untranslated == [] and report.fuzzy == []
    for src in i18n_tools.sources():
        assert catalog.get(src.msgid, context=src.context).string.strip(), src.names


def test_placeholders_are_the_same_in_both_languages(catalog):
    for src in i18n_tools.sources():
        english = catalog.get(src.msgid, context=src.context).string
        assert i18n_tools.placeholders(english) == i18n_tools.placeholders(src.msgid), src.names


def test_the_committed_mo_is_the_compiled_po(catalog):
    mo = i18n_tools.po_path().with_suffix(".mo")
    assert i18n_tools.mo_is_current(mo, catalog), "run `python -m handlers.shared.i18n_tools update`"


class _Anything(dict):
    """Any field name a text asks for: an int formats under every spec used ({n}, {points:+d})."""

    def __missing__(self, key: str) -> int:
        return 1


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_text_formats_in_both_languages(i18n, locale):
    with speaking(locale, i18n):
        for name in constants():
            getattr(T, name).format_map(_Anything())  # raises on a stray brace or a bad spec


def test_english_is_english(i18n):
    # Chinese kept on purpose: the way back on /lang, and words a user must type as they are.
    kept = re.compile(r"中文|语言|请选择语言|本周|本月|上月|梧桐社区|网格员|备岗|社区干部|街道干部|部门|12月5日|"
                      r"党员|志愿者|支部书记")
    with speaking("en", i18n):
        for name in constants():
            assert not CJK.search(kept.sub("", getattr(T, name))), name


def test_labels_from_the_workflow_are_translated_with_their_context(i18n):
    with speaking("en", i18n):
        assert state_label(State.REOPENED) == "Reopened" and action_label(Action.REOPEN) == "reopened"
        assert role_label(Role.GRID_MEMBER) == "grid member"
        assert category_label("噪音扰民") == "Noise"
        assert category_label("本市自定义类别") == "本市自定义类别"  # a city's own: as configured
        assert note_label("不满意") == "not satisfied" and note_label("已清理") == "已清理"
        assert action_label("something-new") == "something-new"
        for state in State:
            assert not CJK.search(state_label(state)), state
        for action in Action:
            assert not CJK.search(action_label(action)), action
    assert state_label(State.REOPENED) == "重办" and role_label("admin") == "管理员"


def test_tables_of_sentences_are_translated_value_by_value(i18n):
    tables = [name for name, value in vars(texts).items() if name.isupper() and isinstance(value, dict)]
    with speaking("en", i18n):
        for name in tables:
            for key, english in getattr(T, name).items():
                assert isinstance(english, str) and not CJK.search(english), (name, key)


def test_a_reply_keyboard_label_matches_in_chinese_and_in_the_senders_language(i18n):
    from types import SimpleNamespace

    from handlers.shared.i18n import says

    pressed = says("BTN_ERASE_NO")
    with speaking("en", i18n):
        assert pressed(SimpleNamespace(text="Cancel")) and pressed(SimpleNamespace(text="取消"))
        assert not pressed(SimpleNamespace(text="cancel")) and not pressed(SimpleNamespace(text=None))
    assert not pressed(SimpleNamespace(text="Cancel"))  # a Chinese reader's keyboard says 取消


def test_without_an_i18n_context_texts_are_chinese():
    assert T.LANG_SET == texts.LANG_SET
    with pytest.raises(AttributeError):
        T.NO_SUCH_TEXT  # noqa: B018


def test_chinese_dates_stay_as_they_were_and_english_ones_read_naturally(i18n):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from handlers.views.render import local_time

    at = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    tz = ZoneInfo("Asia/Shanghai")
    assert local_time(at, tz) == "11月23日（周一）09:00"
    with speaking("en", i18n):
        assert local_time(at, tz) == "Mon 23 Nov 09:00"
    assert len(T.MONTH_NAMES.split()) == 12 and len(T.WEEKDAY_NAMES.split()) == 7
    with speaking("en", i18n):
        assert len(T.MONTH_NAMES.split()) == 12 and len(T.WEEKDAY_NAMES.split()) == 7


@pytest.mark.parametrize(("code", "locale"), [
    ("zh-hans", "zh_CN"), ("zh-hant", "zh_CN"), ("zh", "zh_CN"), ("en", "en"), ("en-GB", "en"),
    ("ru", "zh_CN"), (None, None), ("", None),
])
def test_telegram_language_codes(code, locale):
    assert from_telegram(code) == locale


def test_what_people_call_a_language():
    assert parse_locale("English") == parse_locale("en") == parse_locale("英文") == "en"
    assert parse_locale("zh") == parse_locale("中文") == parse_locale("zh_CN") == "zh_CN"
    assert parse_locale("klingon") is None and parse_locale(None) is None


def test_placeholders_reads_format_fields():
    assert i18n_tools.placeholders("{a}x{b:+d}{a}") == {"a", "b"}
    with pytest.raises(ValueError):
        i18n_tools.placeholders("{a")
    assert all(f[1] is None for f in string.Formatter().parse("no fields"))


def test_a_changed_translation_makes_the_mo_stale(catalog, tmp_path):
    mo = tmp_path / "gridbot.mo"
    mo.write_bytes(i18n_tools.mo_bytes(catalog))
    assert i18n_tools.mo_is_current(mo, catalog)
    message = next(m for m in catalog if m.id and m.string)
    message.string = message.string + "!"
    assert not i18n_tools.mo_is_current(mo, catalog)
