"""Validation of API backtest requests before they are queued, the stored request document,
and the equity thinning (services/backtest_jobs.py, no database)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from xor_trading.backtest.config import BacktestConfig
from xor_trading.core.errors import InputError
from xor_trading.data.candle_store import ParquetCandleStore
from xor_trading.data.samples import seed_samples
from xor_trading.exchanges.simulated.commission import FeeAsset
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.services.backtest_jobs import (
    MAX_CANDLES_PER_RUN,
    BacktestSpec,
    CostSpec,
    ExitSpec,
    RiskSpec,
    SizingSpec,
    _check_candles,
    build_backtest_request,
    downsample_indices,
)

BASE = BacktestSpec(
    strategy="sma_cross",
    symbol="BTC/USDT",
    timeframe="1h",
    start="2020-01-01",
    end="2020-06-01",
)


@pytest.fixture(scope="module")
def candles_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store") / "candles"
    seed_samples(ParquetCandleStore(root))
    return root


def _validate(spec: BacktestSpec, candles_root: Path) -> int:
    request, _ = build_backtest_request(spec, Path("unused"), "binance")
    return _check_candles(request, candles_root)


def test_a_valid_request_counts_the_candles_it_will_read(candles_root: Path) -> None:
    # 2020-01-01 to 2020-06-01 is 152 days; the sample misses 9 hours of it.
    assert _validate(BASE, candles_root) == 3639


def test_the_request_is_normalised_and_builds_the_cli_config(tmp_path: Path) -> None:
    spec = replace(BASE, symbol="btc-usdt", timeframe="60m", exchange="Binance")
    request, normalised = build_backtest_request(spec, tmp_path, "kraken")
    assert (normalised.symbol, normalised.timeframe, normalised.exchange) == (
        "BTC/USDT",
        "1h",
        "binance",
    )
    assert (request.symbol, request.timeframe, request.exchange) == ("BTC/USDT", "1h", "binance")
    assert (request.start_ms, request.end_ms) == (1_577_836_800_000, 1_590_969_600_000)
    assert request.output == tmp_path
    # The API's defaults are the CLI's: capital 10000, stake 200, 10 bps, default risk.
    assert request.config == BacktestConfig.build(
        capital=Decimal(10_000), stake=Decimal(200), risk=RiskConfig()
    )


def test_risk_sizing_and_exits_map_to_their_configs(tmp_path: Path) -> None:
    spec = replace(
        BASE,
        risk=RiskSpec(limits={"max_open_positions": "3", "max_order_notional": "none"}),
        sizing=SizingSpec(mode="volatility", risk_pct=Decimal("0.5")),
        exits=ExitSpec(protective={}),
        costs=replace(CostSpec(), max_volume_pct=Decimal(10)),
    )
    request, _ = build_backtest_request(spec, tmp_path, "binance")
    config = request.config
    assert config.risk == RiskConfig.from_pairs(["max_open_positions=3"])
    assert (config.sizing.mode.value, config.sizing.risk_pct) == ("volatility", Decimal("0.5"))
    assert config.exits == ExitConfig(enabled=True)
    assert config.max_volume_participation == Decimal("0.1")
    off, _ = build_backtest_request(
        replace(BASE, risk=RiskSpec(enabled=False)), tmp_path, "binance"
    )
    assert off.config.risk == RiskConfig.disabled()


_CASES = {
    "unknown strategy": (
        replace(BASE, strategy="nope"),
        "unknown strategy 'nope'",
    ),
    "unknown parameter": (
        replace(BASE, params={"bogus": 1}),
        "unknown parameter 'bogus' for strategy sma_cross",
    ),
    "contradicting parameters": (
        replace(BASE, params={"fast": 50, "slow": 30}),
        "invalid parameter 'parameters' for strategy sma_cross: Value error, fast (50) must "
        "be smaller than slow (30)",
    ),
    "symbol not listed": (
        replace(BASE, symbol="FOO/USDT"),
        "unknown symbol 'FOO/USDT' on binance",
    ),
    "symbol without candles": (
        replace(BASE, symbol="SOL/USDT"),
        "no binance SOL/USDT 1h candles (stored for binance: BTC/USDT 1m 1h; ETH/USDT 1m 1h)",
    ),
    "unknown exchange": (
        replace(BASE, exchange="kraken"),
        "no market catalog for exchange 'kraken'",
    ),
    "timeframe": (replace(BASE, timeframe="7x"), "unknown timeframe '7x'"),
    "unreadable date": (
        replace(BASE, start="2020-13-01"),
        "from '2020-13-01' is not an ISO 8601 date or time",
    ),
    "from after to": (
        replace(BASE, start="2020-06-01", end="2020-01-01"),
        "from (2020-06-01) must be before to (2020-01-01)",
    ),
    "range without candles": (
        replace(BASE, start="2010-01-01", end="2011-01-01"),
        "no BTC/USDT 1h candles are stored in the requested range",
    ),
    "range too long (S7)": (
        replace(BASE, timeframe="1m", start="2000-01-01", end="2020-01-01"),
        "the range 2000-01-01T00:00:00Z to 2020-01-01T00:00:00Z spans 10,519,200 1m candles; "
        "one backtest may read at most 5,000,000",
    ),
    "stake above capital": (
        replace(BASE, costs=replace(CostSpec(), stake=Decimal(20_000))),
        "invalid backtest settings: Value error, stake 20000 is larger than the capital 10000",
    ),
    "unknown risk limit": (
        replace(BASE, risk=RiskSpec(limits={"max_open_positionz": "3"})),
        "unknown risk setting 'max_open_positionz' (did you mean 'max_open_positions'?)",
    ),
    "limits with risk off": (
        replace(BASE, risk=RiskSpec(enabled=False, limits={"max_open_positions": "3"})),
        "risk limits are given while risk is disabled",
    ),
    "sizing mode": (
        replace(BASE, sizing=SizingSpec(mode="martingale")),
        "sizing mode 'martingale' is not known",
    ),
    "path": (replace(BASE, path="warp"), "path 'warp' is not auto, fast or event"),
    "fee asset": (
        replace(BASE, costs=replace(CostSpec(), fee_asset="base")),
        "invalid fee_asset: Input should be 'quote' or 'received'",
    ),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_each_bad_request_is_refused_with_its_sentence(case: str, candles_root: Path) -> None:
    spec, message = _CASES[case]
    with pytest.raises(InputError) as caught:
        _validate(spec, candles_root)
    assert caught.value.message == message
    assert caught.value.hint  # every refusal says what to do


def test_the_candle_cap_refuses_one_candle_more_than_allowed(candles_root: Path) -> None:
    minute = 60_000
    start = 1_577_836_800_000
    spec = replace(BASE, timeframe="1m")
    request, _ = build_backtest_request(spec, Path("unused"), "binance")
    allowed = replace(request, start_ms=start, end_ms=start + MAX_CANDLES_PER_RUN * minute)
    too_many = replace(allowed, end_ms=allowed.end_ms + 1)  # type: ignore[operator]
    with pytest.raises(InputError, match="spans 5,000,001 1m candles"):
        _check_candles(too_many, candles_root)
    # At the cap the span passes; the range (2020 to 2029) holds the whole 1m sample.
    assert _check_candles(allowed, candles_root) == 130_708


def test_the_document_round_trips_exactly() -> None:
    spec = replace(
        BASE,
        exchange="binance",
        params={"fast": 5, "slow": 20},
        costs=CostSpec(
            capital=Decimal("12345.67"),
            stake=Decimal("100.5"),
            fee_bps=Decimal(0),
            maker_fee_bps=Decimal(2),
            fee_asset="received",
            slippage_bps=Decimal("1.5"),
            slippage_model="volume",
            spread_bps=Decimal(3),
            max_volume_pct=Decimal(5),
        ),
        risk=RiskSpec(limits={"max_open_positions": "3"}),
        sizing=SizingSpec(mode="kelly", risk_pct=Decimal("0.25")),
        exits=ExitSpec(stop_loss_pct=Decimal(2), protective=None),
        path="event",
    )
    document = json.loads(json.dumps(spec.to_document()))
    assert BacktestSpec.from_document(document) == spec
    assert document["costs"]["capital"] == "12345.67"
    assert document["costs"]["fee_asset"] == "received"
    assert document["from"] == "2020-01-01"


def test_fees_in_the_asset_received_reach_the_backtest_config(tmp_path: Path) -> None:
    spec = replace(BASE, costs=replace(CostSpec(), fee_asset="received"))
    request, _ = build_backtest_request(spec, tmp_path, "binance")
    assert request.config.fee_asset is FeeAsset.RECEIVED
    assert request.config.venue_config().fees.asset is FeeAsset.RECEIVED
    # A request stored before fee_asset existed runs as it ran: fees in the quote.
    old = BacktestSpec.from_document({"strategy": "s", "symbol": "B/U", "timeframe": "1h"})
    assert old.costs.fee_asset == "quote"


def test_a_zero_fee_stays_zero_and_missing_groups_take_the_defaults() -> None:
    document = {"strategy": "sma_cross", "symbol": "BTC/USDT", "timeframe": "1h"}
    assert BacktestSpec.from_document(document) == BacktestSpec("sma_cross", "BTC/USDT", "1h")
    zero = BacktestSpec.from_document({**document, "costs": {"fee_bps": "0"}})
    assert zero.costs.fee_bps == Decimal(0)


def test_a_malformed_document_is_an_input_error() -> None:
    with pytest.raises(InputError, match="the backtest request is malformed"):
        BacktestSpec.from_document(
            {"strategy": "s", "symbol": "B/U", "timeframe": "1h", "costs": {"capital": "ten"}}
        )


def test_thinning_keeps_everything_when_short_enough() -> None:
    values = np.arange(10, dtype=np.float64)
    assert downsample_indices(values, 10).tolist() == list(range(10))


def test_thinning_keeps_the_ends_and_each_buckets_extremes() -> None:
    rng = np.random.default_rng(7)
    values = np.cumsum(rng.normal(size=100_000))
    kept = downsample_indices(values, 2_000)
    assert len(kept) <= 2_000
    assert (int(kept[0]), int(kept[-1])) == (0, 99_999)
    assert bool(np.all(np.diff(kept) > 0))
    assert int(np.argmin(values)) in kept.tolist()
    assert int(np.argmax(values)) in kept.tolist()


def test_thinning_a_small_budget() -> None:
    values = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0], dtype=np.float64)
    # One interior bucket (indices 1-4): its minimum (1) and maximum (2), plus both ends.
    assert downsample_indices(values, 4).tolist() == [0, 1, 2, 5]
