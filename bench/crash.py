"""Crash and restart (a script, not a test): `gridbot run` polling the strict local Bot API
server, 1,000 tickets with their notices, SIGKILL at random points and a restart on the
same database each time; then the notices lost (goal 0) and doubled (goal ≤ 1 per kill).

    PYTHONPATH=. python bench/crash.py [--tickets 1000] [--kills 20] [--seed 7] [--db sqlite|postgresql]

Each ticket has three notices: the resident's acknowledgement (受理), the grid member's card
(新工单), and, once the member presses 签收 on the card, the resident's notice of it. The
same script runs twice in one go: a baseline with no kill, then the run with kills. Half the
kills come mid-send (the server holds a send it has delivered, and the process dies before
it reads the answer: the outbox row is never marked sent), half at a random moment.
Pacing is lifted (no Telegram limits are enforced here) so the run is about crashes.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.bot_api_server import FakeBotApi  # noqa: E402
from tests.support.instances import GRIDS, base_env, member_ids, org_file  # noqa: E402

RESIDENTS = [970_000 + i for i in range(200)]
TICKET = re.compile(r"#(\d+)")
KINDS = {"ack": "已受理", "card": "新工单", "accepted": "签收，正在处理"}


def kind_of(text: str) -> str | None:
    for kind, marker in KINDS.items():
        if marker in text:
            return kind
    return None


def sign_button(call) -> str | None:
    for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if "签收" in b["text"]:
                return b["callback_data"]
    return None


class Run:
    def __init__(self, folder: Path, db_url: str, tickets: int, kills: int, seed: int) -> None:
        self.folder, self.tickets, self.kills_wanted = folder, tickets, kills
        self.rng = random.Random(seed)
        self.api = FakeBotApi(reachable=member_ids())
        self.db_url = db_url
        self.proc: asyncio.subprocess.Process | None = None
        self.kills = 0
        self.held: list[str] = []  # what was in flight at each mid-send kill
        self.restart_s: list[float] = []
        self.seen = 0  # calls looked at
        self.pressed: set[int] = set()
        self.delivered: Counter[tuple[str, int]] = Counter()

    async def cli(self, *args: str) -> None:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=self.folder,
                                                    env=self.env, stdout=asyncio.subprocess.DEVNULL)
        if await proc.wait():
            raise RuntimeError(f"gridbot {' '.join(args)} failed")

    async def start(self) -> None:
        began = time.perf_counter()
        mark = len(self.api.calls())
        log = self.folder / f"gridbot-{self.kills}.log"
        with log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--no-migrate", cwd=self.folder, env=self.env,
                stdout=out, stderr=asyncio.subprocess.STDOUT)
        while not any(c.method == "getUpdates" for c in self.api.calls()[mark:]):  # its own first poll
            if self.proc.returncode is not None:
                raise RuntimeError(f"gridbot exited:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.1)
        self.restart_s.append(time.perf_counter() - began)

    async def kill(self, mid_send: bool) -> None:
        hold = None
        if mid_send:
            hold = self.api.hold("sendMessage")
            try:
                await asyncio.wait_for(hold.arrived.wait(), 60)
            except TimeoutError:
                hold.release()
                hold = None  # nothing was being sent: a kill at this moment instead
        assert self.proc is not None
        if hold is not None:
            text = (hold.request.text or "") if hold.request is not None else ""
            self.held.append(kind_of(text) or "other")
        self.proc.kill()  # SIGKILL
        await self.proc.wait()
        self.kills += 1
        if hold is not None:
            hold.release()
        await self.start()

    def scan(self) -> None:
        """Count delivered notices; press 签收 on each ticket's first card."""
        calls = self.api.calls()
        for call in calls[self.seen:]:
            if call.method != "sendMessage" or not call.ok or not call.text:
                continue
            kind, found = kind_of(call.text), TICKET.search(call.text)
            if kind is None or found is None:
                continue
            ticket = int(found.group(1))
            self.delivered[(kind, ticket)] += 1
            if kind == "card" and ticket not in self.pressed and (data := sign_button(call)):
                self.pressed.add(ticket)
                self.api.push_callback(call.chat_id, data, call.result["message_id"])
        self.seen = len(calls)

    async def watch(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.scan()
            await asyncio.sleep(0.05)
        self.scan()

    def done(self) -> bool:
        return all(self.delivered[(k, t)] for k in KINDS for t in range(1, self.tickets + 1))

    async def main(self) -> dict:
        await self.api.start()
        self.env = base_env(self.api.base_url, self.db_url, None, token="4242:CRASH-BENCH-TOKEN")
        self.env.update({
            "GRIDBOT_TELEGRAM__MODE": "polling", "GRIDBOT_TELEGRAM__POLLING_TIMEOUT": "1",
            "GRIDBOT_LIMITS__REPORTS_PER_HOUR": "100000", "GRIDBOT_LIMITS__FLOOD_UPDATES": "0",
            "GRIDBOT_LIMITS__SEND_PER_S": "100000", "GRIDBOT_LIMITS__CHAT_INTERVAL_S": "0",
            "GRIDBOT_SCHEDULER__OUTBOX_SECONDS": "1", "GRIDBOT_SCHEDULER__OUTBOX_LEASE_SECONDS": "10",
            # Each message its own report: no "补充到 #N, or 这是新问题?" between a resident's reports.
            "GRIDBOT_CONVERSATION__SUPPLEMENTS": "false",
        })
        try:
            await self.cli("db", "upgrade")
            await self.cli("org", "import", str(org_file(self.folder)))
            await self.start()
            for i, r in enumerate(RESIDENTS):
                self.api.push_message(r, f"/start G{i % GRIDS + 1:02d}", first_name="居民")
            joined = set(RESIDENTS)
            while len({c.chat_id for c in self.api.calls("sendMessage", ok=True)} & joined) < len(joined):
                await asyncio.sleep(0.5)
            began = time.perf_counter()
            # The reports come in 20 waves; after each, a random while, then (with kills) a
            # SIGKILL: so the kills fall all through the work, not after it.
            waves = 20
            for w in range(waves):
                for k in range(w * self.tickets // waves, (w + 1) * self.tickets // waves):
                    self.api.push_message(RESIDENTS[k % len(RESIDENTS)],
                                          f"第{k}号反映：{k % 37}号楼{k % 5 + 1}单元楼道灯坏了", first_name="居民")
                await self.watch(self.rng.uniform(0.5, 6))
                if self.kills < self.kills_wanted * (w + 1) // waves:
                    await self.kill(mid_send=self.kills % 2 == 0)
            # Until everything arrived, or nothing more did for 90 s (then what is missing is lost).
            last, quiet_since = sum(self.delivered.values()), time.perf_counter()
            while not self.done() and time.perf_counter() - quiet_since < 90:
                await self.watch(0.5)
                if sum(self.delivered.values()) != last:
                    last, quiet_since = sum(self.delivered.values()), time.perf_counter()
            await self.watch(12)  # past the outbox lease: a late second copy, if any, has come
            elapsed = time.perf_counter() - began
        finally:
            if self.proc and self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            await self.api.stop()
        expected = [(k, t) for t in range(1, self.tickets + 1) for k in KINDS]
        lost = sum(1 for key in expected if not self.delivered[key])
        doubled = sum(max(0, self.delivered[key] - 1) for key in expected)
        extra = sum(n for key, n in self.delivered.items() if key not in set(expected))
        by_kind = Counter({k: sum(max(0, self.delivered[(k, t)] - 1) for t in range(1, self.tickets + 1))
                           for k in KINDS})
        self.lost_keys = [key for key in expected if not self.delivered[key]]
        return {"notices": len(expected), "lost": lost, "doubled": doubled, "unexpected": extra,
                "doubled_by_kind": {k: n for k, n in by_kind.items() if n},
                "kills": self.kills, "elapsed": elapsed, "held": Counter(self.held),
                "restart_s": sum(self.restart_s[1:]) / max(1, len(self.restart_s) - 1)}


async def database(kind: str):
    if kind == "postgresql":
        from tests.support.reminder_kit import postgres_database

        gen = postgres_database()
        return await gen.__anext__(), gen
    return None, None


async def one(tickets: int, kills: int, seed: int, db: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="gridbot-crash-") as tmp:
        url, gen = await database(db)
        url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'crash.sqlite3'}"
        run = Run(Path(tmp), url, tickets, kills, seed)
        try:
            result = await run.main()
            if run.lost_keys and url.startswith("sqlite"):
                result["lost_detail"] = explain(Path(tmp) / "crash.sqlite3", run.lost_keys)
            return result
        finally:
            if gen is not None:
                await gen.aclose()


def explain(path: Path, lost: list[tuple[str, int]]) -> list[str]:
    """What the database says of each lost notice: the ticket's state and its outbox rows."""
    import sqlite3

    lines = []
    with sqlite3.connect(path) as db:
        for kind, ticket in lost:
            state = db.execute("SELECT state FROM tickets WHERE id = ?", (ticket,)).fetchone()
            rows = db.execute("SELECT kind, chat_id, attempts, claimed_at IS NOT NULL, sent_at IS NOT NULL, outcome "
                              "FROM outbox WHERE ticket_id = ? ORDER BY id", (ticket,)).fetchall()
            lines.append(f"{kind} #{ticket}: ticket {state[0] if state else 'missing'}; outbox {rows}")
    return lines


async def main(tickets: int, kills: int, seed: int, db: str, baseline_too: bool = True) -> None:
    baseline = await one(tickets, 0, seed, db) if baseline_too else None
    crashed = await one(tickets, kills, seed, db)
    print(f"crash and restart: {tickets} tickets x {len(KINDS)} notices (受理, 新工单 card, 签收 notice), "
          f"{db}, polling, strict local Bot API server, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for name, r in (("baseline (no kill)", baseline), (f"{kills} SIGKILLs", crashed)):
        if r is None:
            continue
        per_kill = f"{r['doubled'] / r['kills']:.2f}/kill" if r["kills"] else "-"
        print(f"  {name:20} kills {r['kills']:3}  lost {r['lost']:4}  doubled {r['doubled']:4} ({per_kill})  "
              f"unexpected {r['unexpected']}  {r['elapsed']:6.1f} s  (restart {r['restart_s']:.1f} s)")
        if r["doubled_by_kind"]:
            print(f"  {'':20} doubled by kind: {r['doubled_by_kind']}")
        if r["held"]:
            print(f"  {'':20} in flight at the mid-send kills: {dict(r['held'])}")
        for line in r.get("lost_detail", []):
            print(f"  {'':20} lost: {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--no-baseline", action="store_true", help="Only the run with kills.")
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.kills, args.seed, args.db, not args.no_baseline))
