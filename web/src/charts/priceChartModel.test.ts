import { beforeEach, describe, expect, it, vi } from "vitest";
import { PALETTES } from "./chartPalette";
import { type FakeChart, fakeCharts, fakeMarkers, resetFakes } from "./fakeChart";
import { PriceChartModel } from "./priceChartModel";

vi.mock("lightweight-charts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("lightweight-charts")>();
  const { fakeLibrary } = await import("./fakeChart");
  return { ...actual, ...fakeLibrary };
});

const HOUR = 3_600_000;
const T0 = Date.parse("2025-01-01T00:00:00Z");
const container = {} as HTMLElement;

const candles = {
  ts_ms: [T0, T0 + HOUR, T0 + 2 * HOUR],
  open: [100, 105, 103],
  high: [106, 107, 104],
  low: [99, 102, 95],
  close: [105, 103, 96],
  volume: [10, 20, 30],
};

function newModel(): { model: PriceChartModel; chart: FakeChart } {
  const model = new PriceChartModel(container, PALETTES.dark);
  return { model, chart: fakeCharts.at(-1) as FakeChart };
}

beforeEach(resetFakes);

describe("PriceChartModel", () => {
  it("test_price_chart_creation_adds_candles_and_volume_on_own_scale", () => {
    const { chart } = newModel();
    expect(chart.container).toBe(container);
    expect(chart.series.map((s) => `${s.type}@${s.paneIndex}`)).toEqual(["Candlestick@0", "Histogram@0"]);
    expect(chart.series[1]?.options["priceScaleId"]).toBe("volume");
    expect(chart.priceScaleOptions.get("volume")).toEqual({ scaleMargins: { top: 0.8, bottom: 0 } });
  });

  it("test_price_chart_set_candles_converts_ms_to_seconds_and_colours_volume", () => {
    const { model, chart } = newModel();
    model.setCandles(candles);
    expect(chart.series[0]?.data).toEqual([
      { time: T0 / 1000, open: 100, high: 106, low: 99, close: 105 },
      { time: T0 / 1000 + 3600, open: 105, high: 107, low: 102, close: 103 },
      { time: T0 / 1000 + 7200, open: 103, high: 104, low: 95, close: 96 },
    ]);
    expect(chart.series[1]?.data).toEqual([
      { time: T0 / 1000, value: 10, color: PALETTES.dark.volumeUp },
      { time: T0 / 1000 + 3600, value: 20, color: PALETTES.dark.volumeDown },
      { time: T0 / 1000 + 7200, value: 30, color: PALETTES.dark.volumeDown },
    ]);
    expect(chart.fitContentCalls).toBe(1);
  });

  it("test_price_chart_live_candle_updates_last_bar_and_ignores_older", () => {
    const { model, chart } = newModel();
    model.setCandles(candles);
    const live = { ts_ms: T0 + 2 * HOUR, open: 103, high: 110, low: 95, close: 109, volume: 31 };
    expect(model.updateCandle(live)).toBe(true);
    expect(model.updateCandle({ ...live, ts_ms: T0 })).toBe(false);
    expect(chart.series[0]?.updates).toEqual([
      { time: T0 / 1000 + 7200, open: 103, high: 110, low: 95, close: 109 },
    ]);
    expect(chart.series[1]?.updates).toEqual([
      { time: T0 / 1000 + 7200, value: 31, color: PALETTES.dark.volumeUp },
    ]);
  });

  it("test_price_chart_overlay_drawn_on_price_pane_without_nulls", () => {
    const { model, chart } = newModel();
    model.setIndicator("sma", {
      ts_ms: candles.ts_ms,
      lines: { sma: [null, 104, 99.5] },
      params: { period: 2 },
    });
    const sma = chart.ofType("Line")[0];
    expect(sma?.paneIndex).toBe(0);
    expect(sma?.data).toEqual([
      { time: T0 / 1000 + 3600, value: 104 },
      { time: T0 / 1000 + 7200, value: 99.5 },
    ]);
  });

  it("test_price_chart_oscillators_get_own_panes_and_guides", () => {
    const { model, chart } = newModel();
    model.setIndicator("rsi", { ts_ms: candles.ts_ms, lines: { rsi: [null, 60, 40] }, params: {} });
    model.setIndicator("macd", {
      ts_ms: candles.ts_ms,
      lines: { macd: [null, 1, -1], signal: [null, 0.5, 0], histogram: [null, 0.5, -1] },
      params: {},
    });
    expect(
      chart.series.slice(2).map((s) => `${s.type}:${String(s.options["title"])}@${s.paneIndex}`),
    ).toEqual(["Line:rsi@1", "Histogram:histogram@2", "Line:macd@2", "Line:signal@2"]);
    expect(chart.series[2]?.priceLines.map((l) => l.options["price"])).toEqual([30, 70]);
    expect(chart.series[3]?.data).toEqual([
      { time: T0 / 1000 + 3600, value: 0.5, color: PALETTES.dark.up },
      { time: T0 / 1000 + 7200, value: -1, color: PALETTES.dark.down },
    ]);
  });

  it("test_price_chart_removing_pane_indicator_moves_later_panes_up", () => {
    const { model, chart } = newModel();
    model.setIndicator("rsi", { ts_ms: candles.ts_ms, lines: { rsi: [1, 2, 3] }, params: {} });
    model.setIndicator("macd", { ts_ms: candles.ts_ms, lines: { macd: [1, 2, 3] }, params: {} });
    model.removeIndicator("rsi");
    expect(model.drawnIndicators).toEqual(["macd"]);
    expect(chart.series.map((s) => `${String(s.options["title"] ?? s.type)}@${s.paneIndex}`)).toEqual([
      "Candlestick@0",
      "Histogram@0",
      "macd@1",
    ]);
    // A new oscillator goes below the remaining one.
    model.setIndicator("rsi", { ts_ms: candles.ts_ms, lines: { rsi: [1, 2, 3] }, params: {} });
    expect(chart.series.at(-1)?.paneIndex).toBe(2);
  });

  it("test_price_chart_redrawing_indicator_replaces_its_series", () => {
    const { model, chart } = newModel();
    const input = { ts_ms: candles.ts_ms, lines: { ema: [1, 2, 3] }, params: {} };
    model.setIndicator("ema", input);
    model.setIndicator("ema", input);
    expect(chart.ofType("Line")).toHaveLength(1);
  });

  it("test_price_chart_ichimoku_spans_drawn_displacement_bars_ahead", () => {
    const { model, chart } = newModel();
    model.setIndicator("ichimoku", {
      ts_ms: candles.ts_ms,
      lines: { senkou_a_ahead: [1, 2, 3], tenkan: [5, 6, 7] },
      params: { displacement: 2 },
    });
    const [tenkan, spanA] = [chart.series[2], chart.series[3]];
    expect(tenkan?.options["title"]).toBe("tenkan");
    expect(spanA?.options["title"]).toBe("senkou_a_ahead");
    // index 0 -> candle 2; index 1 and 2 -> one and two hours after the last candle.
    expect(spanA?.data).toEqual([
      { time: T0 / 1000 + 7200, value: 1 },
      { time: T0 / 1000 + 10800, value: 2 },
      { time: T0 / 1000 + 14400, value: 3 },
    ]);
  });

  it("test_price_chart_elliott_labels_peaks_above_and_troughs_below", () => {
    const { model, chart } = newModel();
    model.setElliott([
      { wave: "1", ts_ms: T0 + HOUR, price: 107 },
      { wave: "0", ts_ms: T0, price: 99 },
      { wave: "2", ts_ms: T0 + 2 * HOUR, price: 95 },
    ]);
    const markers = fakeMarkers[0]?.markers as Array<Record<string, unknown>>;
    expect(markers.map((m) => `${String(m["text"])}:${String(m["position"])}`)).toEqual([
      "0:belowBar",
      "1:aboveBar",
      "2:belowBar",
    ]);
    expect(fakeMarkers[0]?.series).toBe(chart.series[0]);
    expect(chart.ofType("Line")[0]?.data).toEqual([
      { time: T0 / 1000, value: 99 },
      { time: T0 / 1000 + 3600, value: 107 },
      { time: T0 / 1000 + 7200, value: 95 },
    ]);
    model.setElliott(null);
    expect(fakeMarkers[0]?.markers).toEqual([]);
    expect(chart.ofType("Line")).toHaveLength(0);
  });

  it("test_price_chart_fibonacci_levels_replace_previous_price_lines", () => {
    const { model, chart } = newModel();
    model.setFibonacci([
      { kind: "retracement", ratio: 0.382, price: 101.2 },
      { kind: "extension", ratio: 1.618, price: 120 },
    ]);
    model.setFibonacci([{ kind: "retracement", ratio: 0.5, price: 100 }]);
    const lines = chart.series[0]?.priceLines.map((l) => [l.options["price"], l.options["title"]]);
    expect(lines).toEqual([[100, "fib 0.5"]]);
  });

  it("test_price_chart_volume_profile_attached_once_then_updated_then_detached", () => {
    const { model, chart } = newModel();
    const profile = {
      bin_edges: [90, 100, 110],
      volumes: [5, 10],
      poc: 105,
      value_area_high: 110,
      value_area_low: 100,
    };
    model.setVolumeProfile(profile);
    model.setVolumeProfile({ ...profile, volumes: [10, 5] });
    const candlesSeries = chart.series[0];
    expect(candlesSeries?.primitives).toHaveLength(1);
    expect(candlesSeries?.updateRequests).toBe(1);
    model.setVolumeProfile(null);
    expect(candlesSeries?.primitives).toHaveLength(0);
  });

  it("test_price_chart_theme_switch_reapplies_colours", () => {
    const { model, chart } = newModel();
    model.setPalette(PALETTES.light);
    expect(chart.appliedOptions).toHaveLength(1);
    expect(chart.series[0]?.options["upColor"]).toBe(PALETTES.light.up);
  });

  it("test_price_chart_dispose_removes_chart", () => {
    const { model, chart } = newModel();
    model.dispose();
    expect(chart.removed).toBe(true);
  });

  it("test_price_chart_50k_candles_three_indicators_convert_under_budget", () => {
    const n = 50_000;
    const ts = Array.from({ length: n }, (_, i) => T0 + i * 60_000);
    const prices = ts.map((_, i) => 100 + Math.sin(i / 50) * 10);
    const { model, chart } = newModel();
    const started = performance.now();
    model.setCandles({ ts_ms: ts, open: prices, high: prices, low: prices, close: prices, volume: prices });
    model.setIndicator("sma", { ts_ms: ts, lines: { sma: prices }, params: {} });
    model.setIndicator("bollinger", {
      ts_ms: ts,
      lines: { upper: prices, middle: prices, lower: prices },
      params: {},
    });
    model.setIndicator("rsi", { ts_ms: ts, lines: { rsi: prices }, params: {} });
    const elapsed = performance.now() - started;
    expect(chart.series[0]?.data).toHaveLength(n);
    // Data preparation is a small part of the 1 s budget (the library draws the rest).
    expect(elapsed).toBeLessThan(300);
  });
});
