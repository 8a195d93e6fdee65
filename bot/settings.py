"""Settings: a TOML file (optional) under environment variables.

Environment variables win over the file: GRIDBOT_TELEGRAM__TOKEN, GRIDBOT_DATABASE__URL,
and so on (prefix GRIDBOT_, "__" between levels). The token never has to be in a file.
"""
from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.settings_parts import ConversationSettings, RedisSettings

DEFAULT_CONFIG_FILES = ("config.toml", "gridbot.toml")


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    # A local Bot API server (or a test server), e.g. "http://127.0.0.1:8081".
    api_base: str | None = None
    # The bot's @username, for join links; read from getMe when empty.
    username: str | None = None
    polling_timeout: int = 30
    # "polling" (one instance) or "webhook" (several instances behind a proxy: docs/deployment.md).
    mode: Literal["polling", "webhook"] = "polling"
    # The public HTTPS address Telegram posts updates to, e.g. "https://bot.example.org/telegram".
    # Its path is the path the web server listens on.
    webhook_url: str | None = None
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token on every update (1-256 of
    # A-Z a-z 0-9 _ -). Prefer GRIDBOT_TELEGRAM__WEBHOOK_SECRET in the environment.
    webhook_secret: SecretStr | None = None
    # Updates handled at once per instance in webhook mode; more wait (Telegram retries).
    webhook_max_in_flight: int = Field(64, ge=1, le=10_000)
    # Telegram unreachable at start: retry, waiting this long at most between tries.
    startup_backoff_max: float = Field(60.0, ge=1)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("webhook_secret: 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///data/gridbot.sqlite3"
    echo: bool = False


class NlpSettings(BaseModel):
    # None: the model shipped with the package.
    model_dir: Path | None = None
    # None: the shipped categories (nlp/data/categories.toml).
    categories_file: Path | None = None
    # Below this confidence the resident picks the category with one tap.
    confidence_threshold: float = Field(0.55, ge=0.0, le=1.0)
    max_text_length: int = 2000


class OfficeHours(BaseModel):
    start: time = time(8, 30)
    end: time = time(17, 30)


class QuietHours(BaseModel):
    start: time = time(22, 0)
    end: time = time(7, 30)


class SlaSettings(BaseModel):
    default: dict[str, str] = {"accept": "2wh", "resolve": "3wd"}
    urgent: dict[str, str] = {"accept": "30m", "resolve": "24h"}
    categories: dict[str, dict[str, str]] = {
        "违法建设": {"resolve": "10wd"},
        "矛盾纠纷": {"resolve": "7wd"},
    }
    # 吹哨报到: the clock once a cadre escalates a ticket to a department.
    department: dict[str, str] = {"resolve": "5wd"}  # 签收 is the department's 报到: not timed


class CalendarSettings(BaseModel):
    """Working days the libraries do not know (see README: the working calendar). They win
    over chinesecalendar and holidays; restart the bot after a change."""

    # Days off: "2027-02-05", a TOML date, or an inclusive range "2027-02-05/2027-02-11".
    holidays: list[date | str] = []
    # Working days, e.g. a 调休 Saturday: same forms.
    workdays: list[date | str] = []
    # Years whose whole official schedule is given here (or in the file): no library estimate.
    official_years: list[int] = []
    # A TOML file with the same three keys (a city's own; relative to the working directory).
    file: Path | None = None

    @field_validator("holidays", "workdays")
    @classmethod
    def _days(cls, value: list[date | str], info) -> list[date | str]:
        from supervision.workdays import parse_days

        parse_days(value, f"calendar.{info.field_name}")  # raises naming the bad entry
        return value

    def overrides(self):
        """supervision.workdays.Overrides: these keys and the file's together (reads the file)."""
        from supervision.workdays import Overrides

        own = Overrides.from_mapping({"holidays": self.holidays, "workdays": self.workdays,
                                      "official_years": self.official_years})
        return (own.merged(Overrides.from_file(self.file)) if self.file else own).checked()


class LimitSettings(BaseModel):
    reports_per_hour: int = 10
    max_text_chars: int = 2000
    # Flood guard: more updates than this from one person within flood_seconds are
    # dropped (they are told once). 0 turns it off.
    flood_updates: int = Field(30, ge=0)
    flood_seconds: float = Field(10.0, gt=0)
    # Updates handled at once (the rest wait in Telegram's queue); the database's connection
    # pool is sized to it, so a backlog after a restart never times out waiting for one.
    concurrent_updates: int = Field(16, ge=1, le=1000)
    # Telegram's pacing of this process: sends per second overall, seconds between two sends
    # to one chat. Telegram's limits (30/s, 1/s): raise them only against a test server.
    send_per_s: float = Field(28.0, gt=0)
    chat_interval_s: float = Field(1.05, ge=0)
    # Messages Telegram may have taken whose outbox row is not yet marked sent: each is sent
    # again after a crash (delivery.notifier). 1: at most one doubled notice per crash.
    unrecorded_sends: int = Field(1, ge=1, le=100)


class OnboardingSettings(BaseModel):
    """Staff invitations and grid boundaries (see README: the organisation)."""

    # How long a staff invitation code can be redeemed.
    invite_ttl_hours: float = Field(72.0, gt=0, le=24 * 90)
    # A shared location outside every grid's boundary goes to the nearest grid within
    # this distance; farther away, the resident is asked.
    nearest_grid_m: float = Field(300.0, ge=0, le=50_000)


class SchedulerSettings(BaseModel):
    """督办: the reminder sweep and its ladder (see docs/reminders.md)."""

    # How often the sweep looks for due reminders.
    sweep_seconds: int = Field(45, ge=30, le=60)
    # Tickets claimed per sweep; a full batch makes the job sweep again at once.
    batch: int = Field(200, ge=1, le=5000)
    # A reminder claimed but not marked sent for this long is sent again (crash, failure).
    lease_minutes: int = Field(15, ge=1)
    # Sends of one reminder before it is given up.
    max_attempts: int = Field(5, ge=1)
    # The outbox (tickets.outbox): how often its sweep sends what a crash or a failed send
    # left behind, and how long a message claimed by a sender that died waits before it is
    # sent again (it may then arrive twice: keep it longer than a slow send).
    outbox_seconds: float = Field(5.0, gt=0, le=300)
    outbox_lease_seconds: float = Field(60.0, gt=0, le=3600)
    # After a restart, a digest whose time passed less than this long ago still goes out.
    catch_up_minutes: int = Field(120, ge=0)
    # Steps: {step, window ("accept"|"resolve"), at ("80%", "100%", "+1wd"), to [...], level}.
    ladder: list[dict[str, Any]] | None = None  # None: supervision.ladder.DEFAULT_LADDER

    @field_validator("ladder")
    @classmethod
    def _valid_ladder(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        from supervision.ladder import Ladder

        Ladder.from_config(value)  # raises with the step and key at fault
        return value


class DigestSettings(BaseModel):
    """Digest times: crontab lines (minute hour day month weekday) in the configured time
    zone. Write weekdays as names (mon): APScheduler 3 counts 0 as Monday. "" turns one off."""

    daily: str = "0 8 * * *"  # each grid member's open tasks
    weekly: str = "30 8 * * mon"  # 每周一提醒: overdue and due this week, by grid
    half_month: str = "0 9 1,16 * *"  # 半月一调度: the half month's dispatch summary
    monthly: str = "30 9 1 * *"  # 一月一通报: last month's figures by grid and community

    @field_validator("daily", "weekly", "half_month", "monthly")
    @classmethod
    def _crontab(cls, value: str) -> str:
        if value.strip():
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(value, timezone="UTC")  # raises on a bad line
        return value.strip()


class BandSettings(BaseModel):
    name: str  # 红
    label: str  # 优秀
    min: float = Field(ge=0, le=100)  # lowest score in the band
    color: str = "#999999"  # on the ranking chart


class CadreSettings(BaseModel):
    """Cadre tools: /overdue, duplicate reports, the monthly bulletin (一月一通报) with charts."""

    # /overdue lists open tickets past a deadline or due within this many hours, worst first.
    soon_hours: int = Field(24, ge=0, le=24 * 14)
    overdue_limit: int = Field(10, ge=1, le=50)
    # A report much like an open ticket of the same grid and category, opened within this many
    # days, is offered to follow instead (0: never). Likeness: cosine of the two texts' word
    # sets (jieba, stop words dropped), from 0 to 1.
    duplicate_days: int = Field(7, ge=0)
    duplicate_threshold: float = Field(0.5, gt=0.0, le=1.0)
    # 一月一通报 with charts, to every cadre: crontab in the configured zone; "" turns it off.
    bulletin: str = "0 10 1 * *"
    # A grid's score (0-100): the weighted mean of its KPIs (重办率 counted as 1 - rate; a KPI
    # with nothing to divide by drops out), less points for each ticket overdue now.
    score_weights: dict[str, float] = {"及时签收率": 20, "按期办结率": 30, "解决率": 20, "满意率": 20, "重办率": 10}
    overdue_penalty: float = Field(2.0, ge=0)
    overdue_penalty_cap: float = Field(20.0, ge=0)
    # Fewer judged tickets than this in the month (docs/kpi.md, 样本): a grid or grid member
    # shows 样本不足, no score and no band, in /stats, the bulletin and /wuse.
    min_samples: int = Field(5, ge=1)
    # 五色: a grid's band is the first (highest min) its score reaches.
    bands: list[BandSettings] = [
        BandSettings(name="红", label="优秀", min=90, color="#c0392b"),
        BandSettings(name="橙", label="良好", min=80, color="#e67e22"),
        BandSettings(name="黄", label="合格", min=70, color="#f1c40f"),
        BandSettings(name="蓝", label="待提升", min=60, color="#2e86c1"),
        BandSettings(name="灰", label="不合格", min=0, color="#7f8c8d"),
    ]

    @field_validator("bulletin")
    @classmethod
    def _bulletin_crontab(cls, value: str) -> str:
        if value.strip():
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(value, timezone="UTC")  # raises on a bad line
        return value.strip()

    @field_validator("score_weights")
    @classmethod
    def _known_kpis(cls, value: dict[str, float]) -> dict[str, float]:
        from figures.kpi import KPIS

        unknown = set(value) - {k.name for k in KPIS}
        if unknown or not value or any(w < 0 for w in value.values()):
            raise ValueError(f"score_weights: KPI names from {[k.name for k in KPIS]}, weights >= 0")
        return value

    @field_validator("bands")
    @classmethod
    def _bands_cover_zero(cls, value: list[BandSettings]) -> list[BandSettings]:
        if not value or min(b.min for b in value) > 0:
            raise ValueError("bands: give at least one band, and one with min = 0")
        return sorted(value, key=lambda b: -b.min)


class ServiceSettings(BaseModel):
    """五单 (issue 7): residents order services; party members and volunteers take them."""

    # Service categories and the words that suggest each (first match wins; else "其他").
    categories: dict[str, list[str]] = {
        "代买代办": ["买药", "代买", "买菜", "取药", "取快递", "代办", "跑腿", "缴费", "交费"],
        "助老助残": ["老人", "独居", "行动不便", "轮椅", "残疾", "助餐", "送餐", "陪伴", "聊天"],
        "陪同就医": ["医院", "看病", "就医", "复查", "陪诊", "挂号", "体检"],
        "维修帮扶": ["水龙头", "漏水", "灯泡", "换灯", "电路", "修理", "维修", "马桶", "下水道", "门锁"],
        "心理法律": ["心理", "法律", "纠纷咨询", "律师", "疏导"],
        "其他": [],
    }
    # Orders in these categories skip 议单 and are published at once.
    auto_approve: list[str] = []
    # Categories served at the resident's home: taking one asks the resident for a phone number.
    at_home: list[str] = ["助老助残", "维修帮扶"]  # as service_orders.rules.AT_HOME
    # 双报到 invitation codes: how long they work and for how many people each.
    invite_ttl_days: float = Field(14.0, gt=0, le=365)
    invite_uses: int = Field(200, ge=1, le=10_000)
    # 一键呼叫: the category of the urgent ticket it opens (one of the event categories).
    emergency_category: str = "民生服务"
    # 联手说事: how long a poll stays open unless closed earlier.
    matter_hours: float = Field(72.0, gt=0, le=24 * 30)


class PointsSettings(BaseModel):
    """积分 rules (issue 7). Each award is a ledger row with a reason; none is given twice."""

    order_done: int = 10  # to whoever completes a service order
    satisfied_bonus: int = 5  # when the resident rates it 满意
    abandoned: int = -5  # giving an order up after 接单
    ticket_on_time: int = 2  # to the grid member, per ticket closed by its deadline
    # 五色 for grid members: the month's KPI score (weights, penalty and bands under
    # [cadre]) blended with points: this share of the score comes from points, full
    # marks at points_target points in the month.
    wuse_points_share: float = Field(0.2, ge=0, le=1)
    wuse_points_target: int = Field(40, ge=1)


class WebSettings(BaseModel):
    """The HTTP server of `gridbot run`: Telegram's webhook, /healthz and /readyz, and, when
    enabled, 指挥调度平台 (the cadres' web command centre, issue 15)."""

    enabled: bool = False  # the command centre's pages
    host: str = "127.0.0.1"
    # None: no HTTP server in polling mode (webhook mode needs one).
    port: int | None = Field(8080, ge=0, le=65535)
    # Where browsers reach it, for the login links /web sends (https: cookies are Secure).
    base_url: str = "http://127.0.0.1:8080"
    # Map tiles, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; "" = none (grids on a blank map).
    tile_url: str = ""
    tile_attribution: str = ""
    session_hours: float = Field(12.0, gt=0, le=24 * 7)
    link_minutes: float = Field(5.0, gt=0, le=60)
    # Ticket photos fetched through the Bot API are kept here.
    cache_dir: Path = Path("data/web-cache")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GRIDBOT_", env_nested_delimiter="__", extra="ignore"
    )

    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    admins: list[int] = []
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    nlp: NlpSettings = NlpSettings()
    office_hours: OfficeHours = OfficeHours()
    quiet_hours: QuietHours = QuietHours()
    sla: SlaSettings = SlaSettings()
    calendar: CalendarSettings = CalendarSettings()
    limits: LimitSettings = LimitSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    digests: DigestSettings = DigestSettings()
    cadre: CadreSettings = CadreSettings()
    onboarding: OnboardingSettings = OnboardingSettings()
    services: ServiceSettings = ServiceSettings()
    points: PointsSettings = PointsSettings()
    web: WebSettings = WebSettings()
    redis: RedisSettings = RedisSettings()
    conversation: ConversationSettings = ConversationSettings()
    # Dialog state (a note being typed): "database" (survives a restart; one instance),
    # a redis:// URL (several instances) or "memory" (lost on restart).
    fsm_storage: str = "database"
    # A dialog left half-way is forgotten after this many hours (database and Redis alike).
    dialog_ttl_hours: float = 24

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises on an unknown zone, with the name in the message
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs; the environment must win over them.
        return env_settings, init_settings


def find_config_file(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        return path
    env = os.environ.get("GRIDBOT_CONFIG")
    if env:
        return find_config_file(env)
    for name in DEFAULT_CONFIG_FILES:
        if Path(name).is_file():
            return Path(name)
    return None


def load_settings(config: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    path = find_config_file(config)
    data: dict[str, Any] = {}
    if path is not None:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    data.update(overrides)
    return Settings(**data)
