"""`gridbot sla` and the [calendar] settings that reach it (bot.cli.sla, bot.workcalendar)."""
from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.settings import load_settings
from bot.workcalendar import build_calendar, due_warnings, warn_at_startup
from supervision.calendar import WorkCalendar
from supervision.workdays import year_source

# A made-up official 2027 schedule, as a city would copy the State Council's notice into its file:
# here 元旦 runs to Mon 1/4, so Thu 2026-12-31 09:00 + 3 working days ends on Thu 1/7.
CITY_FILE = """\
official_years = [2027]
holidays = ["2027-01-01/2027-01-04", "2027-02-05/2027-02-13"]
workdays = [2027-02-20]
"""


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray ./config.toml
    for var in ("GRIDBOT_CONFIG", "GRIDBOT_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str, config: str = "") -> tuple[int, str, str]:
        path = tmp_path / "config.toml"
        path.write_text(config, encoding="utf-8")
        result = CliRunner().invoke(main, ["--config", str(path), "sla", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def test_json_for_the_year_boundary(cli):
    code, out, err = cli("--start", "2026-12-31 09:00", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["accept_deadline"] == "2026-12-31T11:00:00+08:00"  # 2 working hours
    assert data["resolve_deadline"] == "2027-01-06T09:00:00+08:00"  # 3 working days past 元旦 and the weekend
    assert (data["category"], data["urgent"], data["timezone"]) == (None, False, "Asia/Shanghai")
    assert data["calendar"]["2026"]["source"] == "chinese_calendar"
    assert data["calendar"]["2027"]["source"] == year_source(2027)
    if year_source(2027) == "estimate":
        assert data["calendar"]["2027"]["official"] is False
        assert "no official holiday schedule for 2027" in err


def test_json_with_the_city_file_category_and_urgent(cli, tmp_path):
    (tmp_path / "calendar.toml").write_text(CITY_FILE, encoding="utf-8")
    config = '[calendar]\nfile = "calendar.toml"\n'
    code, out, err = cli("--start", "2026-12-31 09:00", "--json", config=config)
    data = json.loads(out)
    assert data["resolve_deadline"] == "2027-01-07T09:00:00+08:00"
    assert data["calendar"]["2027"] == {"source": "override", "official": True,
                                        "detail": "the official schedule given in [calendar]"}
    assert "warning" not in err
    _, out, _ = cli("--start", "2027-02-04 10:00", "--category", "违法建设", "--json", config=config)
    data = json.loads(out)
    assert (data["category"], data["resolve_rule"]) == ("违法建设", "10wd")
    # 10 working days from Thu 2/4 (Fri 2/5-Sun 2/14 off): 2/15-2/19, the 调休 Saturday 2/20, 2/22-2/25.
    assert data["resolve_deadline"] == "2027-02-25T10:00:00+08:00"
    _, out, _ = cli("--start", "2026-12-31T01:00:00+00:00", "--urgent", "--json", config=config)
    data = json.loads(out)
    assert data["start"] == "2026-12-31T09:00:00+08:00" and data["urgent"] is True
    assert data["accept_deadline"] == "2026-12-31T09:30:00+08:00"
    assert data["resolve_deadline"] == "2027-01-01T09:00:00+08:00"  # clock hours: holidays do not matter


def test_settings_keys_and_the_file_merge(cli, tmp_path):
    (tmp_path / "calendar.toml").write_text(CITY_FILE, encoding="utf-8")
    config = ('[calendar]\nfile = "calendar.toml"\nholidays = ["2026-12-31"]\n'
              'workdays = ["2027-01-04"]\n')
    with pytest.raises(ValueError, match="both holiday and workday"):  # the file says 1/4 is off
        build_calendar(load_settings(_write(tmp_path, config)))
    config = '[calendar]\nholidays = ["2026-12-31"]\nworkdays = ["2027-01-02"]\n'
    cal = build_calendar(load_settings(_write(tmp_path, config)))
    assert not cal.is_workday(date(2026, 12, 31)) and cal.is_workday(date(2027, 1, 2))
    assert cal.source(2027) == year_source(2027)  # a few days given: not an official year
    code, _, err = cli("--start", "2026-12-31 09:00", config='[calendar]\nholidays = ["2026-13-01"]\n')
    assert code != 0 and "2026-13-01" in err
    code, _, err = cli("--start", "2026-12-31 09:00", config='[calendar]\nfile = "nope.toml"\n')
    assert code != 0 and "nope.toml" in err


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_text_output_and_mistakes(cli):
    code, out, _ = cli("--start", "2026-12-31 09:00")
    assert code == 0
    assert "签收 accept   2026-12-31 11:00 Thu" in out
    assert "办结 resolve  2027-01-06 09:00 Wed" in out
    assert "2026: official schedule from chinesecalendar" in out
    code, _, err = cli("--start", "2026-12-31 09:00", "--category", "乱码")
    assert code != 0 and "unknown category" in err
    code, _, err = cli("--start", "31.12.2026")
    assert code != 0 and "--start" in err


def test_warnings_name_the_years_from_1_december(caplog):
    cal = WorkCalendar(extra_holidays=[date(2030, 1, 1)], official_years=[2030])
    assert due_warnings(cal, date(2030, 11, 30)) == []
    [w] = due_warnings(cal, date(2030, 12, 1))
    assert (w.year, w.source, w.due) == (2031, "estimate", date(2030, 12, 1))
    assert [x.year for x in due_warnings(WorkCalendar(), date(2031, 3, 1))] == [2031]  # this year too
    with caplog.at_level(logging.WARNING, logger="bot.workcalendar"):
        assert warn_at_startup(cal, date(2030, 12, 1)) == [2031]
        assert warn_at_startup(cal, date(2030, 6, 1)) == []
    [record] = [r for r in caplog.records if r.name == "bot.workcalendar"]
    assert record.levelno == logging.WARNING and "2031" in record.getMessage()
