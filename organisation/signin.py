"""Signing in to the command centre (指挥调度平台) through the bot.

A cadre sends /web (or an operator runs `gridbot web login-link`): a random one-time token
is issued, valid for a few minutes. Opening the link and confirming trades it for a
session token (the cookie) and a CSRF token, valid for some hours or until sign-out.
Only SHA-256 hashes of both tokens are stored. Redeeming claims the link with one
conditional UPDATE, so a link works once even when two browsers race for it.

Only cadres (community, street) and admins may sign in: the organisation says who they
are on every request (a cadre moved or deactivated loses access at once).
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from organisation.jurisdiction import is_cadre
from storage.models import WebLink, WebSession
from tickets.actors import load_actor
from tickets.errors import NotAllowed
from tickets.policy import Actor


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Signed:
    """A session just opened: the cookie's token and the session's CSRF token."""

    token: str
    csrf: str
    telegram_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Visitor:
    """Whoever a valid session cookie belongs to, as the organisation knows them now."""

    actor: Actor
    csrf: str
    expires_at: datetime


class SignIn:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, admins: Collection[int] = (),
                 clock: Callable[[], datetime], link_ttl: timedelta = timedelta(minutes=5),
                 session_ttl: timedelta = timedelta(hours=12), write_lock=None) -> None:
        self.sf = session_factory
        self.admins = frozenset(admins)
        self.clock = clock
        self.link_ttl = link_ttl
        self.session_ttl = session_ttl
        self.write_lock = write_lock

    async def _cadre(self, session: AsyncSession, telegram_id: int) -> Actor:
        actor = await load_actor(session, telegram_id, admins=self.admins)
        if not is_cadre(actor):
            raise NotAllowed("web", None)
        return actor

    async def issue_link(self, telegram_id: int) -> tuple[str, datetime]:
        """A one-time token for this cadre (NotAllowed for anyone else) and when it expires."""
        now = self.clock()
        token = secrets.token_urlsafe(32)
        async with _locked(self.write_lock), self.sf() as session, session.begin():
            await self._cadre(session, telegram_id)
            # Old links and sessions go: the tables stay small without a sweep of their own.
            await session.execute(delete(WebLink).where(WebLink.expires_at < now - timedelta(days=1)))
            await session.execute(delete(WebSession).where(WebSession.expires_at < now - timedelta(days=7)))
            session.add(WebLink(token_hash=digest(token), telegram_id=telegram_id, created_at=now,
                                expires_at=now + self.link_ttl))
        return token, now + self.link_ttl

    async def redeem(self, token: str) -> Signed | None:
        """The link's session, or None for an unknown, used or expired link (or a non-cadre)."""
        if not token or len(token) > 100:
            return None
        now = self.clock()
        async with _locked(self.write_lock), self.sf() as session, session.begin():
            claimed = await session.execute(
                update(WebLink)
                .where(WebLink.token_hash == digest(token), WebLink.used_at.is_(None), WebLink.expires_at > now)
                .values(used_at=now)
            )
            if claimed.rowcount != 1:
                return None
            telegram_id = (await session.execute(
                select(WebLink.telegram_id).where(WebLink.token_hash == digest(token)))).scalar_one()
            try:
                await self._cadre(session, telegram_id)
            except NotAllowed:
                return None
            cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + self.session_ttl
            session.add(WebSession(token_hash=digest(cookie), telegram_id=telegram_id, csrf=csrf,
                                   created_at=now, expires_at=expires))
        return Signed(cookie, csrf, telegram_id, expires)

    async def visitor(self, cookie: str | None) -> Visitor | None:
        """The session's cadre, or None (no cookie, forged, expired, signed out, no longer a cadre)."""
        if not cookie or len(cookie) > 100:
            return None
        now = self.clock()
        async with self.sf() as session:
            row = (await session.execute(
                select(WebSession).where(WebSession.token_hash == digest(cookie), WebSession.ended_at.is_(None),
                                         WebSession.expires_at > now))).scalar_one_or_none()
            if row is None:
                return None
            try:
                actor = await self._cadre(session, row.telegram_id)
            except NotAllowed:
                return None
            return Visitor(actor, row.csrf, row.expires_at)

    async def sign_out(self, cookie: str | None) -> None:
        if not cookie:
            return
        async with _locked(self.write_lock), self.sf() as session, session.begin():
            await session.execute(update(WebSession).where(WebSession.token_hash == digest(cookie),
                                                           WebSession.ended_at.is_(None)).values(ended_at=self.clock()))


class _locked:
    """SQLite has one writer: queue behind the workflow's lock when there is one."""

    def __init__(self, lock) -> None:
        self.lock = lock

    async def __aenter__(self):
        if self.lock is not None:
            await self.lock.acquire()

    async def __aexit__(self, *exc) -> None:
        if self.lock is not None:
            self.lock.release()


@dataclass(frozen=True)
class LoginLinks:
    """What /web and `gridbot web login-link` hand out: the command centre's address with a token."""

    signin: SignIn
    base_url: str

    @property
    def link_minutes(self) -> float:
        return self.signin.link_ttl.total_seconds() / 60

    @property
    def session_hours(self) -> float:
        return self.signin.session_ttl.total_seconds() / 3600

    async def issue(self, telegram_id: int) -> tuple[str, datetime]:
        """(the link, when it expires); NotAllowed for anyone but a cadre or an admin."""
        token, expires = await self.signin.issue_link(telegram_id)
        return f"{self.base_url.rstrip('/')}/login/{token}", expires
