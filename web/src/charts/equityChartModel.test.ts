import { beforeEach, describe, expect, it, vi } from "vitest";
import { PALETTES } from "./chartPalette";
import { EquityChartModel } from "./equityChartModel";
import { type FakeChart, fakeCharts, resetFakes } from "./fakeChart";

vi.mock("lightweight-charts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("lightweight-charts")>();
  const { fakeLibrary } = await import("./fakeChart");
  return { ...actual, ...fakeLibrary };
});

const DAY = 86_400_000;
const T0 = Date.parse("2025-03-01T00:00:00Z");

beforeEach(resetFakes);

describe("EquityChartModel", () => {
  it("test_equity_chart_points_drawn_as_area_in_seconds", () => {
    const model = new EquityChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setPoints([
      { ts_ms: T0, value: 12.5 },
      { ts_ms: T0 + DAY, value: -3 },
    ]);
    expect(chart.series.map((s) => s.type)).toEqual(["Area"]);
    expect(chart.series[0]?.data).toEqual([
      { time: T0 / 1000, value: 12.5 },
      { time: T0 / 1000 + 86_400, value: -3 },
    ]);
    expect(chart.series[0]?.options["lineColor"]).toBe(PALETTES.dark.equity);
    expect(chart.fitContentCalls).toBe(1);
  });

  it("test_equity_chart_theme_switch_and_dispose", () => {
    const model = new EquityChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setPalette(PALETTES.light);
    expect(chart.series[0]?.options["lineColor"]).toBe(PALETTES.light.equity);
    model.dispose();
    expect(chart.removed).toBe(true);
  });
});
