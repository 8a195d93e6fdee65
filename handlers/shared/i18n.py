"""Translation through gettext (aiogram.utils.i18n).

The Chinese sentence in handlers/texts.py IS the msgid: zh_CN needs no catalog (gettext
falls back to the msgid) and texts.py stays the one place sentences are written.
locales/en/LC_MESSAGES/gridbot.po holds the English; `python -m handlers.shared.i18n_tools
update` keeps it in step with texts.py and recompiles the .mo.

`T.NAME` is texts.NAME in the current locale: the one LanguageMiddleware chose for the
update being handled, or the one `speaking(locale)` sets while a notice to someone else
is rendered. With no I18n context at all (a script, a unit test), it is the Chinese text.
Labels that live in tickets/ (states, actions, roles) and category names are translated
here, with a gettext context, because tickets/ must not know about aiogram.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

from handlers import texts
from organisation.languages import (
    DEFAULT_LOCALE,
    LanguagePrefs,
    from_telegram,
    parse_locale,
)
from service_orders.rules import KIND_LABELS
from service_orders.states import STATE_LABELS as ORDER_STATE_LABELS
from service_orders.states import OrderState
from tickets.closing.reasons import INVALID_REASONS, REOPEN_REASONS
from tickets.feedback import SATISFACTION_LABELS
from tickets.lifecycle import ACTION_LABELS, STATE_LABELS, Action, State
from tickets.policy import ROLE_LABELS

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "gridbot"
# How each language names itself, on the /lang buttons: the same in every locale.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}

# gettext contexts: one Chinese word may need two English ones ("重办" the state, the action).
STATE, ACTION, ROLE, RATING, CATEGORY = "state", "action", "role", "rating", "category"
ORDER_STATE, VOLUNTEER = "order_state", "volunteer"  # service orders (五单) and who serves
# Notes the workflow writes on a rating, and the reasons offered in one tap (无效, 重办),
# shown in notices and the history, besides free text.
RATING_NOTES = ("已解决", "未解决", *SATISFACTION_LABELS.values(), *INVALID_REASONS, *REOPEN_REASONS)

log = logging.getLogger(__name__)


def create_i18n(default_locale: str = DEFAULT_LOCALE) -> I18n:
    """Loads the compiled catalogs; built by the dispatcher and the scheduler, never at import."""
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def gettext(msgid: str) -> str:
    i18n = I18n.get_current(no_error=True)
    return msgid if i18n is None else i18n.gettext(msgid)


def pgettext(context: str, msgid: str) -> str:
    i18n = I18n.get_current(no_error=True)
    translator = None if i18n is None else i18n.locales.get(i18n.current_locale)
    return msgid if translator is None else translator.pgettext(context, msgid)


class _Texts:
    """`T.NAME`: texts.NAME translated when it is read, so nothing is fixed at import.
    A dict of sentences comes back with each value translated."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        value = getattr(texts, name)  # a misspelt name still raises AttributeError
        if isinstance(value, str):
            return gettext(value)
        if isinstance(value, dict):
            return {k: gettext(v) if isinstance(v, str) else v for k, v in value.items()}
        return value


T = _Texts()


def state_label(state: State | str) -> str:
    return pgettext(STATE, STATE_LABELS[State(state)])


def action_label(action: Action | str) -> str:
    try:
        return pgettext(ACTION, ACTION_LABELS[Action(action)])
    except ValueError:  # an action recorded by a newer version: show it as stored
        return str(action)


def role_label(role: Any) -> str:
    label = ROLE_LABELS.get(role)  # type: ignore[call-overload]  # StrEnum keys match str
    return pgettext(ROLE, label) if label else ""


def order_state_label(state: OrderState | str) -> str:
    return pgettext(ORDER_STATE, ORDER_STATE_LABELS[OrderState(state)])


def kind_label(kind: str) -> str:
    """党员 / 志愿者 / 支部书记; an unknown kind as stored."""
    label = KIND_LABELS.get(kind)
    return pgettext(VOLUNTEER, label) if label else kind


def category_label(name: str) -> str:
    """The shipped categories are in the catalog; a city's own names show as configured."""
    return pgettext(CATEGORY, name)


def note_label(note: str | None) -> str:
    """A rating or a one-tap reason the workflow wrote as a note ("满意", "测试") translated;
    free text as is."""
    if not note:
        return ""
    return pgettext(RATING, note) if note in RATING_NOTES else note


def says(name: str) -> Callable[[Message], bool]:
    """A message filter for a reply-keyboard button, which sends its label as text: texts.NAME
    in Chinese or in the sender's language (a keyboard sent before a /lang still works)."""

    def check(message: Message) -> bool:
        return message.text is not None and message.text in (getattr(texts, name), getattr(T, name))

    return check


def join(items: Any) -> str:
    return gettext(texts.LIST_SEPARATOR).join(items)


def month_name(month: int) -> str:
    """1..12 as the current language writes it ("11月", "Nov")."""
    return T.MONTH_NAMES.split()[month - 1]


def weekday_name(weekday: int) -> str:
    """0 (Monday)..6 as the current language writes it ("周一", "Mon")."""
    return T.WEEKDAY_NAMES.split()[weekday]


@contextmanager
def speaking(locale: str | None, i18n: I18n | None = None) -> Iterator[None]:
    """Render in `locale` (a notice to someone else): in the update's I18n context, or in
    the given one where there is none (the scheduler). No I18n at all: Chinese, as before."""
    i18n = i18n or I18n.get_current(no_error=True)
    if i18n is None or locale is None:
        yield
        return
    with i18n.context(), i18n.use_locale(locale):
        yield


class Recipients:
    """Each recipient's language where no update sets one (the scheduler's jobs), with the
    catalogs to render in it."""

    def __init__(self, prefs: LanguagePrefs, i18n: I18n) -> None:
        self.prefs = prefs
        self.i18n = i18n

    @classmethod
    def of(cls, core: Any, language: str | None = None) -> Recipients:
        """The bot's shared cache when `core` has one (bot.app.Core), else a cache of its own."""
        prefs = getattr(core, "languages", None) or LanguagePrefs(
            core.session_factory, default=parse_locale(language) or DEFAULT_LOCALE)
        return cls(prefs, create_i18n(prefs.default))

    async def speaking_to(self, chat_id: int) -> Any:
        """`with await recipients.speaking_to(chat_id):` render inside."""
        try:
            locale = (await self.prefs.of([chat_id])).get(chat_id)
        except Exception:  # noqa: BLE001 - better a notice in the default language than none
            log.exception("language look-up failed; sending in the default language")
            locale = None
        return speaking(locale or self.prefs.default, self.i18n)


class LanguageMiddleware(I18nMiddleware):
    """Picks each update's locale: the person's stored choice, else their Telegram language."""

    def __init__(self, i18n: I18n, prefs: LanguagePrefs | None) -> None:
        super().__init__(i18n=i18n)
        self.prefs = prefs

    def install(self, dp: Dispatcher) -> None:
        # On the update, so that every inner middleware (the flood guard) and handler has
        # it; on errors too, as the error handler runs after the update's context is left.
        dp.update.outer_middleware(self)
        dp.errors.outer_middleware(self)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("event_from_user")
        if user is None:
            return self.i18n.default_locale
        fallback = from_telegram(user.language_code, self.i18n.default_locale) or self.i18n.default_locale
        if self.prefs is None:
            return fallback
        try:
            return await self.prefs.locale_for(user.id, user.language_code)
        except Exception:  # noqa: BLE001 - a failed look-up must not cost the person their answer
            log.exception("language look-up failed for an update")
            return fallback
