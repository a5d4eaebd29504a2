"""Backtest speed: the product's fast and event paths against vectorbt and backtesting.py.

    .venv-bench/bin/python bench/backtest_speed.py [--bars 1000000]

One SMA(10/30) cross (long only, next-open fills, 1000 USDT per trade, 0.1 % fee) on a
series of ``--bars`` 1m candles built from the real BTC/USDT file (copies rescaled to stay
continuous, see ``peers.common.synthetic_series``), run by four engines in this one
invocation: backtesting.py and vectorbt (the baselines) and the product's fast and event
paths. Each engine is warmed up first (vectorbt's JIT etc.) on a small slice, then timed on the
whole run -- indicators, signals, simulation and the trade list; building its input from
the candles is not timed. Engines whose run takes under --repeat-below seconds are run again
(up to --max-runs, interleaved) and the best run counts.

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
import math
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
# 1000 USDT per trade loses ~2 USDT of fees per round trip: a 10,000 USDT account is spent
# after ~4,500 trades (~230k candles), and the rest of a 1M-candle run would trade nothing.
# The benchmark therefore starts every engine with enough capital to trade to the end.
BENCH_CAPITAL = 1_000_000


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


def timed(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    trades = run()
    return time.perf_counter() - start, trades


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


def memory_child(parquet: Path, path: str, capital: int) -> int:
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
        code = _measure_backtest(parquet, path, capital)
    except BaseException as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        code = 1
    sys.stdout.flush()
    os._exit(code)


def _measure_backtest(parquet: Path, path: str, capital: int) -> int:
    import xor_engine
    from peers.common import load_candles

    engine, reason = xor_engine.load(capital)
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
                "path": path,
                "bars": len(frame),
                "trades": len(result.trades),
                "seconds": seconds,
                "rss_after_import_mb": after_import,
                "rss_after_load_mb": after_load,
                "peak_rss_mb": rss_mb(),
                "vm_hwm_mb": vm_hwm_mb(),
            }
        )
    )
    return 0


def peak_rss_of(parquet: Path, path: str, capital: int) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--memory-child", str(parquet), "--path", path]
    proc = subprocess.run(
        [*cmd, "--capital", str(capital)],
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--candles", type=Path, default=REAL_CANDLES, help="the real series")
    parser.add_argument("--warmup-bars", type=int, default=5_000)
    parser.add_argument("--repeat-below", type=float, default=2.0, help="re-run faster engines (s)")
    parser.add_argument("--max-runs", type=int, default=7)
    parser.add_argument(
        "--capital", type=int, default=BENCH_CAPITAL,
        help="starting USDT of every engine (large enough never to run short; see README)",
    )  # fmt: skip
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"subset of {ENGINES}")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS child runs")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--path", default="fast", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(args.wanted) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {unknown}; choose from {ENGINES}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child is not None:
        return memory_child(args.memory_child, args.path, args.capital)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import backtesting
            import vectorbt
    except ImportError as exc:
        print(f"backtest_speed: peers missing ({exc}); run `bash bench/setup_env.sh`")
        print("  and run this script with .venv-bench/bin/python")
        return 2
    import xor_engine
    from peers import backtesting_py_sma, vectorbt_sma
    from peers.common import load_candles, synthetic_series, write_candles

    engine, reason = xor_engine.load(args.capital)

    real = load_candles(args.candles)
    candles = synthetic_series(real, args.bars)
    bars = len(candles)
    warm = candles.slice(0, min(args.warmup_bars, bars))
    print(f"backtest_speed: SMA(10/30) cross, long only, on {describe(candles, real)}")
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} cores; "
        f"backtesting {backtesting.__version__}, vectorbt {vectorbt.__version__}; "
        f"capital {args.capital:,} USDT, 1,000 USDT per trade, 0.1 % fee; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  warm-up on {len(warm):,} bars; engines under {args.repeat_below:g} s are run up to "
        f"{args.max_runs} times and the best run counts"
    )

    # Each engine's input in its own form is built outside the timing (like loading data).
    runners: dict[str, tuple[str, Callable[[Candles], Callable[[], int]]]] = {}

    def bt_runner(c: Candles) -> Callable[[], int]:
        frame = backtesting_py_sma.to_frame(c)
        return lambda: len(backtesting_py_sma.run(c, frame, cash=args.capital))

    def vbt_runner(c: Candles) -> Callable[[], int]:
        cash = args.capital
        return lambda: vectorbt_sma.run(c.open, c.high, c.low, c.close, c.volume, init_cash=cash)

    runners["backtesting.py"] = (backtesting.__version__, bt_runner)
    runners["vectorbt"] = (vectorbt.__version__, vbt_runner)
    if engine is not None:
        xor_version = _product_version()

        def xor_runner(path: str) -> Callable[[Candles], Callable[[], int]]:
            def make(c: Candles) -> Callable[[], int]:
                frame = engine.frame(c)
                return lambda: len(engine.run(frame, path).trades)

            return make

        runners["xor fast"] = (xor_version, xor_runner("fast"))
        runners["xor event"] = (xor_version, xor_runner("event"))
    else:
        print(f"  xor fast / xor event: SKIPPED -- {reason}")

    # First every engine once, warm-up then one timed run; then further rounds for the
    # engines whose runs are short, interleaved (vectorbt, fast, vectorbt, fast, ...) so that
    # a change in the machine's load hits both sides of a ratio alike. Best run counts.
    timings: dict[str, Timing] = {}
    timed_runs: dict[str, Callable[[], int]] = {}
    for name in ENGINES:
        if name not in runners:
            timings[name] = Timing(name, "-", note=reason or "not run")
            continue
        version, make = runners[name]
        t = timings[name] = Timing(name, version)
        if name not in args.wanted:
            t.note = "skipped (--engines)"
            continue
        try:
            make(warm)()  # warm-up: JIT, caches, lazy imports
            timed_runs[name] = make(candles)
            seconds, t.trades = timed(timed_runs[name])
            t.all_seconds.append(seconds)
        except Exception as exc:  # report it, keep benchmarking the others
            t.note = f"failed: {type(exc).__name__}: {exc}"
            timed_runs.pop(name, None)
        shown = f"{t.trades:,} trades in {t.all_seconds[0]:.3f} s" if t.ok else t.note
        print(f"  ran {name}: {shown}", flush=True)
    for _ in range(args.max_runs - 1):
        for name, run in timed_runs.items():
            t = timings[name]
            if sum(t.all_seconds) < args.repeat_below:
                seconds, _trades = timed(run)
                t.all_seconds.append(seconds)
    for name in timed_runs:
        t = timings[name]
        t.seconds, t.runs = min(t.all_seconds), len(t.all_seconds)
        if t.runs > 1:
            runs = ", ".join(f"{x:.3f}" for x in t.all_seconds)
            print(f"  re-ran {name}: {runs} s -> best {t.seconds:.3f} s", flush=True)

    # Peak memory of a product backtest on the whole series, each path in a fresh process.
    mem: dict[str, dict[str, object]] = {}
    if engine is not None and not args.no_memory:
        with tempfile.TemporaryDirectory(prefix="xor-bench-") as tmp:
            parquet = Path(tmp) / f"btc_usdt_1m_{bars}.parquet"
            try:  # the product's own store format (what `xor backtest` reads)
                from xor_trading.data.parquet_file import write_candle_parquet

                write_candle_parquet(parquet, engine.frame(candles))
            except ImportError:
                write_candles(candles, parquet)
            for path in ("fast", "event"):
                rep = mem[path] = peak_rss_of(parquet, path, args.capital)
                shown = rep["error"] if "error" in rep else f"{_f(rep['peak_rss_mb']):.0f} MB"
                print(f"  ran xor {path} in a child process for peak RSS: {shown}", flush=True)

    return report(timings, mem, bars, reason if engine is None else "")


def report(
    timings: dict[str, Timing], mem: dict[str, dict[str, object]], bars: int, why: str
) -> int:
    bt, vb = timings["backtesting.py"], timings["vectorbt"]
    fast, event = timings["xor fast"], timings["xor event"]

    def ratio(a: Timing, b: Timing) -> float:
        return a.bars_per_s(bars) / b.bars_per_s(bars) if a.ok and b.ok else float("nan")

    print()
    header = (
        f"{'engine':<16}{'version':>9}{'seconds':>10}{'bars/s':>14}{'trades':>9}"
        f"{'x backtesting.py':>18}{'x vectorbt':>12}"
    )
    print(header)
    print("-" * len(header))
    for t in timings.values():
        if t.ok:
            print(
                f"{t.engine:<16}{t.version:>9}{t.seconds:>10.3f}{t.bars_per_s(bars):>14,.0f}"
                f"{t.trades:>9,}{_x(ratio(t, bt)):>18}{_x(ratio(t, vb)):>12}"
            )
        else:
            print(f"{t.engine:<16}{t.version:>9}  {t.note}")
    print(f"(ratios are to backtesting.py and vectorbt measured in this run, on {bars:,} bars)")
    print()

    failures: list[str] = []
    unmeasured: list[str] = []
    summary: list[str] = []

    def verdict(label: str, shown: str, ok: bool | None) -> str:
        if ok is None:
            unmeasured.append(label)
            summary.append(f"{label}=n/a")
            return "n/a"
        if not ok:
            failures.append(label)
        summary.append(f"{label}={shown}")
        return "PASS" if ok else "MISSED"

    for label, r, target in (
        ("fast/vectorbt", ratio(fast, vb), FAST_VS_VECTORBT),
        ("event/backtesting.py", ratio(event, bt), EVENT_VS_BACKTESTING),
    ):
        ok = None if math.isnan(r) else r >= target
        v = verdict(label, f"{r:.2f}x", ok)
        summary[-1] += f" (target>={target:g})"
        print(f"{label:<22}: {_x(r)} (target >= {target:g}x) {v}")

    for path in ("fast", "event"):
        label = f"peak_rss_{path}"
        rep = mem.get(path, {})
        if "peak_rss_mb" in rep:
            peak = _f(rep["peak_rss_mb"])
            v = verdict(label, f"{peak:.0f}MB", peak < PEAK_RSS_MB)
            print(
                f"{label:<22}: {peak:.0f} MB (target < {PEAK_RSS_MB:g} MB) {v}  [after imports "
                f"{_f(rep['rss_after_import_mb']):.0f} MB, after loading the Parquet file "
                f"{_f(rep['rss_after_load_mb']):.0f} MB; VmHWM {_f(rep['vm_hwm_mb']):.0f} MB; "
                f"{rep['trades']} trades in {_f(rep['seconds']):.2f} s]"
            )
        else:
            verdict(label, "", None)
            err = rep.get("error") or (why or "not run")
            print(f"{label:<22}: not measured ({err})")
    summary[-1] += f" (target<{PEAK_RSS_MB:g})"

    counts = {t.engine: t.trades for t in timings.values() if t.ok}
    not_run = [e for e in ENGINES if e not in counts]
    if len(set(counts.values())) > 1:
        failures.append("trade counts")
        summary.append("trades=DIFFER")
        print(f"{'trade counts':<22}: DIFFER {counts}")
    elif counts:
        n = next(iter(counts.values()))
        summary.append(f"trades={n}")
        extra = f" (not run: {', '.join(not_run)})" if not_run else ""
        print(f"{'trade counts':<22}: equal, {n:,} trades in each of {len(counts)} engines{extra}")

    if failures:
        result = f"FAIL (missed: {', '.join(failures)})"
    elif unmeasured:
        result = f"INCOMPLETE (not measured: {', '.join(unmeasured)}{'; ' + why if why else ''})"
    else:
        result = "PASS"
    print(f"SUMMARY backtest_speed: {' '.join(summary)} bars={bars} {result}")
    return 1 if failures else (2 if unmeasured else 0)


def _product_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xor-trading")
    except PackageNotFoundError:
        return "src"


def _f(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def _x(r: float) -> str:
    return "n/a" if math.isnan(r) else f"{r:.2f}x"


if __name__ == "__main__":
    sys.exit(main())
