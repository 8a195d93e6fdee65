"""Profile gridbot's report intake (bench/intake.py's setup), one report at a time.

    python bench/profile_report.py [--n 200] [--history 0] [--out /tmp/report.prof] [--cpu]

Prints the top of cProfile's cumulative list, the time per report, and how many calls per
report went through asyncio.to_thread (aiogram runs sync filters and handlers there).
With pyinstrument installed, its wall clock (awaits included) instead of cProfile's list.

--cpu: cProfile on the event loop thread's CPU clock (time.thread_time: waits for aiosqlite's
thread and sleeps are not counted), and where that CPU goes per report, by library (the
package under site-packages, the project's top folder, or the standard library module).
cProfile's own overhead inflates every share about alike; the split is what to read.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import complaints, in_process, intake_dispatcher, prepare, updates  # noqa: E402
from bot.core import build_taxonomy  # noqa: E402
from bot.settings import Settings  # noqa: E402
from nlp.classifier import Classifier  # noqa: E402


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=1, help="in flight (1: one report at a time)")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "report.prof"))
    parser.add_argument("--cpu", action="store_true", help="the event loop thread's CPU, by library")
    args = parser.parse_args()
    settings = Settings()
    classifier = Classifier.load(settings.nlp.model_dir, build_taxonomy(settings))
    classifier.classify("预热")
    texts = complaints(2060, classifier)
    hops = 0
    real = asyncio.to_thread

    async def counted(*a, **k):
        nonlocal hops
        hops += 1
        return await real(*a, **k)

    asyncio.to_thread = counted  # aiogram looks it up at call time
    with tempfile.TemporaryDirectory() as tmp:
        _, core = await prepare(Path(tmp), args.history, classifier, senders=60 + args.n)
        bot_of: dict = {}
        dp = intake_dispatcher(core, bot_of)
        warm, raw = updates(texts[:60], 1), updates(texts[60:60 + args.n], 10**6, 60)
        classifier._recent.clear()  # each report classified once here, as a new text is
        try:
            from pyinstrument import Profiler
        except ImportError:
            Profiler = None
        prof = cProfile.Profile(time.thread_time) if args.cpu else cProfile.Profile()
        wall = Profiler(async_mode="enabled", interval=0.0005) if Profiler and not args.cpu else None
        hops = 0
        t0 = time.perf_counter()
        await in_process(dp, [], warm, 1, bot_of)
        hops = 0
        if wall:
            wall.start()
        else:
            prof.enable()
        t0 = time.perf_counter()
        await in_process(dp, raw, [], args.concurrency, bot_of)
        elapsed = time.perf_counter() - t0
        if wall:
            wall.stop()
        else:
            prof.disable()
        await core.close()
    print(f"{args.n} reports, {args.concurrency} in flight: {elapsed / args.n * 1000:.2f} ms per report (profiled), "
          f"{hops / args.n:.1f} thread hops per report")
    if wall:  # wall-clock time, awaits included (pyinstrument's async mode)
        print(wall.output_text(unicode=False, color=False, show_all=False, time="percent_of_total"))
    else:
        prof.dump_stats(args.out)
        stats = pstats.Stats(args.out)
        if args.cpu:
            print_by_library(stats, args.n)
        else:
            stats.sort_stats("cumulative").print_stats(45)


def library(filename: str) -> str:
    """Who owns a profiled function: a site-packages package, a project folder, a stdlib
    module, or "C code" (builtins and C methods, which cProfile names "~")."""
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    root = str(Path(__file__).resolve().parents[1]) + "/"
    if filename.startswith(root):
        return "gridbot: " + filename[len(root):].split("/")[0]
    if filename == "~":
        return "C code (builtins, C methods)"
    return "stdlib: " + Path(filename).name


def print_by_library(stats: pstats.Stats, n: int) -> None:
    """Own CPU time (tottime) per report, summed by `library`, largest first."""
    by: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by[library(filename)] = by.get(library(filename), 0.0) + tottime
    total = sum(by.values())
    print(f"event loop thread CPU, profiled: {total / n * 1000:.2f} ms per report")
    for name, t in sorted(by.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {t / n * 1000:6.2f} ms  {t / total:6.1%}  {name}")


if __name__ == "__main__":
    asyncio.run(main())
