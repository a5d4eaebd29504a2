"""Backtest speed: the product's fast and event paths against vectorbt and backtesting.py.

    .venv-bench/bin/python bench/backtest_speed.py [--bars 1000000]

One SMA(10/30) cross (long only, next-open fills, 1000 USDT per trade, 0.1 % fee) on a
series of ``--bars`` 1m candles built from the real BTC/USDT file (copies rescaled to stay
continuous, see ``peers.common.synthetic_series``), run by four engines in this one
invocation: backtesting.py and vectorbt (the baselines) and the product's fast and event
paths. Each engine is warmed up first (numba JIT etc.) on a small slice, then timed on the
whole run -- indicators, signals, simulation and the trade list; building its input from
the candles is not timed. Engines whose run takes under --repeat-below seconds are run again
(up to --max-runs) and the best run counts.

Peak memory: the product's fast-path and event-path backtests each run again in a fresh
child process that reads the series from a Parquet file and reports its
``ru_maxrss`` (whole process: interpreter, imports, data and backtest).

Targets (ratios measured in this run, never absolute timings):
  fast path bars/s  >= 2 x vectorbt's
  event path bars/s >= 2 x backtesting.py's
  peak RSS of each 1M-candle product backtest < 300 MB (MiB)
and all engines must report the same number of trades.

Exit status: 0 all targets met; 1 a target missed or the trade counts differ; 2 a target
could not be measured (e.g. "product engine not available yet", or an engine skipped).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TQDM_DISABLE", "1")

from peers.common import REAL_CANDLES, Candles

FAST_VS_VECTORBT = 2.0
EVENT_VS_BACKTESTING = 2.0
PEAK_RSS_MB = 300.0
ENGINES = ("backtesting.py", "vectorbt", "xor fast", "xor event")


@dataclass
class Timing:
    engine: str
    version: str
    seconds: float = float("nan")
    trades: int | None = None
    runs: int = 0
    note: str = ""
    all_seconds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.trades is not None

    def bars_per_s(self, bars: int) -> float:
        return bars / self.seconds if self.ok else float("nan")


def rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(run: Callable[[], int], repeat_below: float, max_runs: int) -> tuple[float, int, list[float]]:
    """Best wall time of ``run`` (re-run while the total is under ``repeat_below`` seconds)."""
    seconds: list[float] = []
    trades = -1
    while True:
        gc.collect()
        start = time.perf_counter()
        trades = run()
        seconds.append(time.perf_counter() - start)
        if sum(seconds) >= repeat_below or len(seconds) >= max_runs:
            return min(seconds), trades, seconds


# --- child process: one product backtest from a Parquet file, reporting peak RSS ---------


def vm_hwm_mb() -> float:
    """This process's own peak RSS from /proc (VmHWM, KiB -> MiB); NaN where unavailable."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def memory_child(parquet: Path, path: str) -> int:
    """Entry point of the child process: no peer is imported here.

    ``ru_maxrss`` survives ``execve``: a process exec'd from this benchmark's (large) parent
    starts with the parent's peak as its own. So the child forks once more, before importing
    anything, and the grandchild -- a fresh process with a zeroed ``ru_maxrss`` whose memory
    is only this small child's -- runs the backtest and reports.
    """
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    try:
        code = _measure_backtest(parquet, path)
    except BaseException as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        code = 1
    sys.stdout.flush()
    os._exit(code)


def _measure_backtest(parquet: Path, path: str) -> int:
    import xor_engine
    from peers.common import load_candles

    engine, reason = xor_engine.load()
    if engine is None:
        print(json.dumps({"error": reason}))
        return 2
    after_import = rss_mb()
    try:
        from xor_trading.data.parquet_file import read_candle_parquet

        frame = read_candle_parquet(parquet, 60_000)
    except ImportError:
        frame = engine.frame(load_candles(parquet))
    after_load = rss_mb()
    start = time.perf_counter()
    result = engine.run(frame, path)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "path": path, "bars": len(frame), "trades": len(result.trades),
                "seconds": seconds, "rss_after_import_mb": after_import,
                "rss_after_load_mb": after_load, "peak_rss_mb": rss_mb(),
                "vm_hwm_mb": vm_hwm_mb(),
            }
        )
    )
    return 0


def peak_rss_of(parquet: Path, path: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(parquet), "--path", path],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": f"child exited {proc.returncode}: {' | '.join(tail)}"}
    report: dict[str, object] = json.loads(lines[-1])
    return report


# --- the benchmark -----------------------------------------------------------------------


def describe(candles: Candles, real: Candles) -> str:
    copies = len(candles) / len(real)
    return (
        f"{len(candles):,} 1m candles (real BTC/USDT {len(real):,} x {copies:.2f}, copies rescaled "
        f"to stay continuous; close {candles.close.min():,.2f}..{candles.close.max():,.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--candles", type=Path, default=REAL_CANDLES, help="the real series")
    parser.add_argument("--warmup-bars", type=int, default=5_000)
    parser.add_argument("--repeat-below", type=float, default=2.0, help="re-run engines faster than this (s)")
    parser.add_argument("--max-runs", type=int, default=5)
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"subset of {', '.join(ENGINES)}")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS child runs")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--path", default="fast", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child is not None:
        return memory_child(args.memory_child, args.path)

    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(wanted) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {ENGINES}")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import backtesting
            import vectorbt
    except ImportError as exc:
        print(f"backtest_speed: peers missing ({exc}); run `bash bench/setup_env.sh` and use .venv-bench/bin/python")
        return 2
    import xor_engine
    from peers import backtesting_py_sma, vectorbt_sma
    from peers.common import load_candles, synthetic_series, write_candles

    engine, reason = xor_engine.load()

    real = load_candles(args.candles)
    candles = synthetic_series(real, args.bars)
    bars = len(candles)
    warm = candles.slice(0, min(args.warmup_bars, bars))
    print(f"backtest_speed: SMA(10/30) cross, long only, on {describe(candles, real)}")
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} cores; backtesting {backtesting.__version__}, "
        f"vectorbt {vectorbt.__version__}; warm-up on {len(warm):,} bars; best of up to "
        f"{args.max_runs} runs for engines under {args.repeat_below:g} s"
    )

    # Inputs in each engine's own form (not timed, like loading the data).
    runners: dict[str, tuple[str, Callable[[Candles], Callable[[], int]]]] = {}

    def bt_runner(c: Candles) -> Callable[[], int]:
        frame = backtesting_py_sma.to_frame(c)
        return lambda: len(backtesting_py_sma.run(c, frame))

    def vbt_runner(c: Candles) -> Callable[[], int]:
        return lambda: vectorbt_sma.run(c.open, c.high, c.low, c.close, c.volume)

    runners["backtesting.py"] = (backtesting.__version__, bt_runner)
    runners["vectorbt"] = (vectorbt.__version__, vbt_runner)
    if engine is not None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            xor_version = version("xor-trading")
        except PackageNotFoundError:
            xor_version = "src"

        def xor_runner(path: str) -> Callable[[Candles], Callable[[], int]]:
            def make(c: Candles) -> Callable[[], int]:
                frame = engine.frame(c)
                return lambda: len(engine.run(frame, path).trades)

            return make

        runners["xor fast"] = (xor_version, xor_runner("fast"))
        runners["xor event"] = (xor_version, xor_runner("event"))
    else:
        print(f"  xor fast / xor event: SKIPPED -- {reason}")

    timings: dict[str, Timing] = {}
    for name in ENGINES:
        if name not in runners:
            timings[name] = Timing(name, "-", note=reason or "not run")
            continue
        version, make = runners[name]
        if name not in wanted:
            timings[name] = Timing(name, version, note="skipped (--engines)")
            continue
        t = Timing(name, version)
        try:
            make(warm)()  # warm-up: JIT, caches, lazy imports
            run = make(candles)
            t.seconds, t.trades, t.all_seconds = measure(run, args.repeat_below, args.max_runs)
            t.runs = len(t.all_seconds)
        except Exception as exc:
            t.note = f"failed: {type(exc).__name__}: {exc}"
        timings[name] = t
        shown = f"{t.seconds:.3f} s, {t.trades:,} trades" if t.ok else t.note
        print(f"  ran {name}: {shown}", flush=True)

    # Peak memory of a product backtest on the whole series, each path in a fresh process.
    mem: dict[str, dict[str, object]] = {}
    if engine is not None and not args.no_memory:
        with tempfile.TemporaryDirectory(prefix="xor-bench-") as tmp:
            parquet = Path(tmp) / f"btc_usdt_1m_{bars}.parquet"
            write_candles(candles, parquet)
            for path in ("fast", "event"):
                mem[path] = peak_rss_of(parquet, path)
                rep = mem[path]
                shown = rep["error"] if "error" in rep else f"{float(rep['peak_rss_mb']):.0f} MB"  # type: ignore[arg-type]
                print(f"  ran xor {path} in a child process for peak RSS: {shown}", flush=True)

    # --- report -----------------------------------------------------------------------------
    bt, vb = timings["backtesting.py"], timings["vectorbt"]
    fast, event = timings["xor fast"], timings["xor event"]

    def ratio(a: Timing, b: Timing) -> float:
        return a.bars_per_s(bars) / b.bars_per_s(bars) if a.ok and b.ok else float("nan")

    print()
    header = f"{'engine':<16}{'version':>9}{'seconds':>10}{'bars/s':>14}{'trades':>9}{'x backtesting.py':>18}{'x vectorbt':>12}"
    print(header)
    print("-" * len(header))
    for t in timings.values():
        if t.ok:
            print(
                f"{t.engine:<16}{t.version:>9}{t.seconds:>10.3f}{t.bars_per_s(bars):>14,.0f}{t.trades:>9,}"
                f"{_x(ratio(t, bt)):>18}{_x(ratio(t, vb)):>12}"
            )
        else:
            print(f"{t.engine:<16}{t.version:>9}  {t.note}")
    print(f"(baselines measured in this run: backtesting.py and vectorbt; {bars:,} bars)")
    print()

    failures: list[str] = []
    unmeasured: list[str] = []

    def check(label: str, value: float, target: str, passed: bool | None) -> str:
        if passed is None:
            unmeasured.append(label)
            return f"{label}=n/a"
        if not passed:
            failures.append(label)
        return f"{label}={value}"

    r_fast = ratio(fast, vb)
    r_event = ratio(event, bt)
    fast_ok = None if r_fast != r_fast else r_fast >= FAST_VS_VECTORBT  # NaN: not measured
    event_ok = None if r_event != r_event else r_event >= EVENT_VS_BACKTESTING
    print(f"fast path / vectorbt        : {_x(r_fast)} (target >= {FAST_VS_VECTORBT:g}x) {_verdict(fast_ok)}")
    print(f"event path / backtesting.py : {_x(r_event)} (target >= {EVENT_VS_BACKTESTING:g}x) {_verdict(event_ok)}")
    s_fast = check("fast/vectorbt", round(r_fast, 2), "", fast_ok)
    s_event = check("event/backtesting.py", round(r_event, 2), "", event_ok)

    s_mem: list[str] = []
    for path in ("fast", "event"):
        rep = mem.get(path)
        peak = rep.get("peak_rss_mb") if rep else None
        ok = None if not isinstance(peak, float | int) else float(peak) < PEAK_RSS_MB
        if rep and "error" in rep:
            print(f"peak RSS {path:<5} path        : not measured ({rep['error']})")
        elif rep:
            print(
                f"peak RSS {path:<5} path        : {float(peak):.0f} MB (target < {PEAK_RSS_MB:g} MB) "
                f"{_verdict(ok)}  [after imports {float(rep['rss_after_import_mb']):.0f} MB, after loading "
                f"{float(rep['rss_after_load_mb']):.0f} MB, VmHWM {float(rep['vm_hwm_mb']):.0f} MB; "
                f"{rep['trades']} trades in {float(rep['seconds']):.2f} s]"
            )
        else:
            print(f"peak RSS {path:<5} path        : not measured")
        label = f"peak_rss_{path}"
        if ok is None:
            unmeasured.append(label)
            s_mem.append(f"{label}=n/a")
        else:
            if not ok:
                failures.append(label)
            s_mem.append(f"{label}={float(peak):.0f}MB")

    counts = {t.engine: t.trades for t in timings.values() if t.ok}
    if len(set(counts.values())) > 1:
        failures.append("trade counts")
        print(f"trade counts                : DIFFER {counts}")
        s_counts = "trades=DIFFER"
    elif counts:
        n = next(iter(counts.values()))
        missing = [e for e in ENGINES if e not in counts]
        extra = f" (not run: {', '.join(missing)})" if missing else ""
        print(f"trade counts                : equal across {len(counts)} engines: {n:,} trades{extra}")
        s_counts = f"trades={n}" + ("" if not missing else f"({len(counts)}/{len(ENGINES)} engines)")
    else:
        s_counts = "trades=n/a"

    verdict = "FAIL" if failures else ("INCOMPLETE" if unmeasured else "PASS")
    why = ""
    if failures:
        why = f" missed: {', '.join(failures)}"
    elif unmeasured:
        why = f" not measured: {', '.join(unmeasured)}" + (f" ({reason})" if engine is None else "")
    print(
        f"SUMMARY backtest_speed: bars={bars} {s_fast}x (target>={FAST_VS_VECTORBT:g}) "
        f"{s_event}x (target>={EVENT_VS_BACKTESTING:g}) {' '.join(s_mem)} (target<{PEAK_RSS_MB:g}) "
        f"{s_counts} {verdict}{why}".replace("=n/ax", "=n/a")
    )
    return 1 if failures else (2 if unmeasured else 0)


def _x(r: float) -> str:
    return "n/a" if r != r else f"{r:.2f}x"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISSED")


if __name__ == "__main__":
    sys.exit(main())
