"""SLA policy: duration syntax, config loading, deadlines on the 2026 calendar."""

import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

# The checkout is not installed in the venv and pytest sets no pythonpath:
# make `tickets` importable when pytest puts only tests/unit on sys.path.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from supervision.calendar import WorkCalendar  # noqa: E402
from supervision.sla import Duration, SlaPolicy, SlaRule, add  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")

CONFIG = {
    "default": {"accept": "2wh", "resolve": "3wd"},
    "urgent": {"accept": "30m", "resolve": "24h"},
    "categories": {"违法建设": {"resolve": "10wd"}, "矛盾纠纷": {"resolve": "7wd"}},
}


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def policy() -> SlaPolicy:
    return SlaPolicy.from_mapping(CONFIG)


# -- Duration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", Duration(30, "minutes")),
        ("24h", Duration(24, "hours")),
        ("2wh", Duration(2, "working_hours")),
        ("3wd", Duration(3, "working_days")),
        ("1.5wh", Duration(1.5, "working_hours")),
        (" 3 WD ", Duration(3, "working_days")),
    ],
)
def test_parse_good(text, expected):
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("text", ["", "2", "wh", "2x", "2 working hours", "-1h", "0m", "1e3h", "2wh3", "２h"])
def test_parse_bad(text):
    with pytest.raises(ValueError, match="duration"):
        Duration.parse(text)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        Duration.parse(2)  # type: ignore[arg-type]


def test_str_round_trips():
    for text in ("30m", "24h", "2wh", "3wd", "1.5wh", "1000000m", "0.00001h"):
        assert str(Duration.parse(text)) == text


def test_duration_validates_direct_construction():
    with pytest.raises(ValueError):
        Duration(0, "hours")
    with pytest.raises(ValueError):
        Duration(1, "weeks")  # type: ignore[arg-type]


# -- add ---------------------------------------------------------------------


def test_add_each_unit(cal):
    start = local(2026, 3, 13, 17)  # Friday
    assert add(cal, start, Duration(30, "minutes")) == local(2026, 3, 13, 17, 30)
    assert add(cal, start, Duration(24, "hours")) == local(2026, 3, 14, 17)
    assert add(cal, start, Duration(2, "working_hours")) == local(2026, 3, 16, 10)
    assert add(cal, start, Duration(1, "working_days")) == local(2026, 3, 16, 17)
    # Half a working day is 4.5 office hours.
    assert add(cal, start, Duration(0.5, "working_days")) == local(2026, 3, 16, 12, 30)


def test_add_returns_utc_and_rejects_naive(cal):
    assert add(cal, local(2026, 3, 13, 17), Duration(2, "hours")).tzinfo is timezone.utc
    with pytest.raises(ValueError):
        add(cal, datetime(2026, 3, 13, 17), Duration(2, "hours"))


# -- policy ------------------------------------------------------------------


def test_from_mapping_fills_category_rules_from_default(policy):
    assert policy.default == SlaRule(Duration(2, "working_hours"), Duration(3, "working_days"))
    assert policy.urgent == SlaRule(Duration(30, "minutes"), Duration(24, "hours"))
    assert policy.rule_for("违法建设", urgent=False) == SlaRule(
        Duration(2, "working_hours"), Duration(10, "working_days")
    )
    assert policy.rule_for("矛盾纠纷", urgent=False).resolve == Duration(7, "working_days")
    assert policy.rule_for("环境卫生", urgent=False) == policy.default


def test_category_may_override_accept_only():
    policy = SlaPolicy.from_mapping({**CONFIG, "categories": {"安全隐患": {"accept": "1wh"}}})
    assert policy.rule_for("安全隐患", urgent=False) == SlaRule(
        Duration(1, "working_hours"), Duration(3, "working_days")
    )


def test_urgent_beats_category(policy):
    assert policy.rule_for("违法建设", urgent=True) == policy.urgent


def test_deadlines_on_the_eve_of_national_day(policy, cal):
    start = local(2026, 9, 30, 16, 30)
    accept, resolve = policy.deadlines(cal, start, "环境卫生", urgent=False)
    assert accept == local(2026, 10, 8, 9, 30)
    # 3 working days: 09-30 16:30 -> 10-08, 10-09, 10-10 (调休 Saturday) 16:30.
    assert resolve == local(2026, 10, 10, 16, 30)


def test_category_deadline_over_national_day(policy, cal):
    # 10 working days from Tuesday 09-29 10:00: 09-30, 10-08, 10-09, 10-10, 10-12..10-16, 10-19.
    _, resolve = policy.deadlines(cal, local(2026, 9, 29, 10), "违法建设", urgent=False)
    assert resolve == local(2026, 10, 19, 10)


def test_urgent_ticket_is_counted_on_the_clock_over_a_holiday(policy, cal):
    start = local(2026, 10, 1, 10)  # National Day
    accept, resolve = policy.deadlines(cal, start, "安全隐患", urgent=True)
    assert accept == local(2026, 10, 1, 10, 30)
    assert resolve == local(2026, 10, 2, 10)


def test_per_category_is_read_only(policy):
    with pytest.raises(TypeError):
        policy.per_category["新类别"] = policy.default  # type: ignore[index]


def test_direct_construction_copies_the_mapping():
    rules = {"违法建设": SlaRule(Duration(1, "working_hours"), Duration(10, "working_days"))}
    default = SlaRule(Duration(2, "working_hours"), Duration(3, "working_days"))
    policy = SlaPolicy(default=default, urgent=default, per_category=rules)
    rules.clear()
    assert "违法建设" in policy.per_category


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"urgent": CONFIG["urgent"]}, "missing 'default'"),
        ({"default": CONFIG["default"]}, "missing 'urgent'"),
        ({**CONFIG, "category": {}}, "unknown keys"),
        ({**CONFIG, "default": {"accept": "2wh"}}, r"default: missing \['resolve'\]"),
        ({**CONFIG, "default": {"accept": "2wh", "resolve": "3days"}}, "default.resolve"),
        ({**CONFIG, "categories": {"违法建设": {}}}, "违法建设"),
        ({**CONFIG, "categories": {"违法建设": {"resolv": "10wd"}}}, "unknown keys"),
        ({**CONFIG, "categories": {"违法建设": {"resolve": 10}}}, "违法建设.resolve"),
        ({**CONFIG, "categories": ["违法建设"]}, "categories"),
        ([], "mapping"),
    ],
)
def test_from_mapping_errors_name_the_bad_entry(data, message):
    with pytest.raises(ValueError, match=message):
        SlaPolicy.from_mapping(data)
