"""Every sentence the bot says, in one place per audience (zh_CN). Placeholders are
str.format fields. The Chinese sentence is the gettext msgid (handlers.shared.i18n):
`T.NAME` reads texts.NAME in the reader's language.

All sentences are names of this package, whichever module holds them, so a template is
found by its name alone; two modules may not define the same name (a test checks).
"""
from __future__ import annotations

from handlers.texts.admin import *  # noqa: F403
from handlers.texts.cadres import *  # noqa: F403
from handlers.texts.common import *  # noqa: F403
from handlers.texts.residents import *  # noqa: F403
from handlers.texts.services import *  # noqa: F403
from handlers.texts.staff import *  # noqa: F403
