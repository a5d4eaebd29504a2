import { beforeEach, describe, expect, it, vi } from "vitest";
import { PALETTES } from "./chartPalette";
import { type FakeChart, fakeCharts, fakeMarkers, resetFakes } from "./fakeChart";
import { TradeChartModel } from "./tradeChartModel";

vi.mock("lightweight-charts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("lightweight-charts")>();
  const { fakeLibrary } = await import("./fakeChart");
  return { ...actual, ...fakeLibrary };
});

const H = 3_600_000;
const T0 = Date.parse("2025-03-01T00:00:00Z");

function columns(n: number) {
  const ts_ms = Array.from({ length: n }, (_, i) => T0 + i * H);
  return {
    ts_ms,
    open: ts_ms.map(() => 10),
    high: ts_ms.map(() => 12),
    low: ts_ms.map(() => 9),
    close: ts_ms.map(() => 11),
    volume: ts_ms.map(() => 1),
  };
}

beforeEach(resetFakes);

describe("TradeChartModel", () => {
  it("test_trade_chart_candles_in_seconds_and_trade_markers_on_them", () => {
    const model = new TradeChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setCandles(columns(3));
    model.setTrades([
      {
        side: "long",
        entry_ms: T0 + 5,
        exit_ms: T0 + 2 * H + 5,
        entry_price: "10",
        exit_price: "11",
        pnl: "1",
      },
    ]);
    expect(chart.series.map((s) => s.type)).toEqual(["Candlestick"]);
    expect(chart.series[0]?.data[1]).toEqual({
      time: (T0 + H) / 1000,
      open: 10,
      high: 12,
      low: 9,
      close: 11,
    });
    expect(fakeMarkers[0]?.series).toBe(chart.series[0]);
    expect(fakeMarkers[0]?.markers.map((m) => (m as { time: number }).time)).toEqual([
      T0 / 1000,
      (T0 + 2 * H) / 1000,
    ]);
    expect(chart.fitContentCalls).toBe(1);
  });

  it("test_trade_chart_fill_after_last_candle_drawn_once_its_candle_arrives", () => {
    const model = new TradeChartModel({} as HTMLElement, PALETTES.dark);
    model.setCandles(columns(2));
    model.setFills([{ side: "buy", at_ms: T0 + 2 * H + 60_000, price: "11", quantity: "1" }]);
    expect(fakeMarkers[0]?.markers).toEqual([]);
    expect(model.updateCandle({ ts_ms: T0 + 2 * H, open: 11, high: 11, low: 11, close: 11, volume: 1 })).toBe(
      true,
    );
    expect(fakeMarkers[0]?.markers.map((m) => (m as { time: number }).time)).toEqual([(T0 + 2 * H) / 1000]);
    expect(fakeCharts[0]?.series[0]?.updates).toEqual([
      { time: (T0 + 2 * H) / 1000, open: 11, high: 11, low: 11, close: 11 },
    ]);
  });

  it("test_trade_chart_older_live_candle_ignored", () => {
    const model = new TradeChartModel({} as HTMLElement, PALETTES.dark);
    model.setCandles(columns(3));
    expect(model.updateCandle({ ts_ms: T0, open: 1, high: 1, low: 1, close: 1, volume: 1 })).toBe(false);
    expect(fakeCharts[0]?.series[0]?.updates).toEqual([]);
  });

  it("test_trade_chart_theme_switch_recolours_candles_and_markers_dispose_removes", () => {
    const model = new TradeChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setCandles(columns(2));
    model.setTrades([
      { side: "long", entry_ms: T0, exit_ms: T0 + H, entry_price: "10", exit_price: "11", pnl: "1" },
    ]);
    model.setPalette(PALETTES.light);
    expect(chart.series[0]?.options["upColor"]).toBe(PALETTES.light.up);
    expect((fakeMarkers[0]?.markers[0] as { color: string }).color).toBe(PALETTES.light.up);
    expect(chart.appliedOptions).toHaveLength(1);
    model.dispose();
    expect(chart.removed).toBe(true);
  });
});
