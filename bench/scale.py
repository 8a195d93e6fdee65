"""Updates per second handled by 1, 2 and 3 `gridbot run` instances in webhook mode on
PostgreSQL and Redis (a script, not a test), in the same run:

    PYTHONPATH=. python bench/scale.py [--reports 400] [--paced]

Each round starts N instances on a fresh database, joins the residents (not timed), then
posts `--reports` reports (each: one ticket, an acknowledgement, a grid member's card)
spread over the instances, 64 at a time, and times them. By default Telegram's pacing is
lifted (limits.send_per_s, redis.global_per_s) so the figures show what the instances can
handle; with --paced they keep Telegram's limits and show the real ceiling (sends/s).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.instances import (
    GRIDS,
    Telegram,
    ThreadedApi,
    base_env,
    member_ids,
    org_file,
    start_instance,
    wait_ready,
)
from tests.support.reminder_kit import postgres_database

REDIS = "redis://127.0.0.1:6379/5"


async def round_(n: int, reports: int, paced: bool, folder: Path) -> float:
    gen = postgres_database()
    url = await gen.__anext__()
    served = ThreadedApi(strict=False, reachable=member_ids())  # Telegram's side on its own loop
    api = served.api
    env = base_env(api.base_url, url, REDIS)
    env["GRIDBOT_LIMITS__REPORTS_PER_HOUR"] = "1000"
    env["GRIDBOT_LIMITS__FLOOD_UPDATES"] = "0"
    if not paced:
        env.update(GRIDBOT_LIMITS__SEND_PER_S="100000", GRIDBOT_LIMITS__CHAT_INTERVAL_S="0",
                   GRIDBOT_REDIS__GLOBAL_PER_S="100000")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "db", "upgrade", cwd=folder, env=env,
                                                stdout=asyncio.subprocess.DEVNULL)
    await proc.wait()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "org", "import", str(org_file(folder)),
                                                cwd=folder, env=env, stdout=asyncio.subprocess.DEVNULL)
    await proc.wait()
    instances = [await start_instance(env, folder, "--no-migrate") for _ in range(n)]
    try:
        await wait_ready(instances, timeout=180)
        residents = [970_000 + i for i in range(100)]
        async with Telegram(instances, connections=64) as telegram:
            await asyncio.gather(*(telegram.post(api.push_message(u, f"/start G{i % GRIDS + 1:02d}"))
                                   for i, u in enumerate(residents)))
            started = time.perf_counter()
            await asyncio.gather(*(telegram.post(api.push_message(
                residents[k % len(residents)], f"第{k}号反映：{k % 37}号楼{k % 5 + 1}单元楼道灯坏了"))
                for k in range(reports)))
            elapsed = time.perf_counter() - started
    finally:
        for inst in instances:
            await inst.stop()
        served.stop()
        await gen.aclose()
    return reports / elapsed


async def main(reports: int, paced: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rates = {}
        for n in (1, 2, 3):
            rates[n] = await round_(n, reports, paced, Path(tmp))
        mode = "Telegram's limits kept" if paced else "Telegram's pacing lifted"
        print(f"reports handled per second, PostgreSQL + Redis, webhook, {reports} reports ({mode}), "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}:")
        for n, rate in rates.items():
            print(f"  {n} instance{'s' if n > 1 else ' '}  {rate:7.1f} updates/s   x{rate / rates[1]:.2f} of one")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--paced", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.reports, args.paced))
