import { beforeEach, describe, expect, it, vi } from "vitest";
import { PALETTES } from "./chartPalette";
import { DrawdownChartModel, withAlpha } from "./drawdownChartModel";
import { type FakeChart, fakeCharts, resetFakes } from "./fakeChart";

vi.mock("lightweight-charts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("lightweight-charts")>();
  const { fakeLibrary } = await import("./fakeChart");
  return { ...actual, ...fakeLibrary };
});

const T0 = Date.parse("2025-03-01T01:00:00Z");

beforeEach(resetFakes);

describe("DrawdownChartModel", () => {
  it("test_drawdown_chart_depth_drawn_below_zero_in_seconds", () => {
    const model = new DrawdownChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setDrawdown([T0, T0 + 3_600_000, T0 + 7_200_000], [0, 2.5, 0.75]);
    expect(chart.series.map((s) => s.type)).toEqual(["Area"]);
    expect(chart.series[0]?.data).toEqual([
      { time: T0 / 1000, value: 0 },
      { time: T0 / 1000 + 3600, value: -2.5 },
      { time: T0 / 1000 + 7200, value: -0.75 },
    ]);
    expect(chart.series[0]?.options["lineColor"]).toBe(PALETTES.dark.down);
    expect(chart.series[0]?.options["invertFilledArea"]).toBe(true);
    expect(chart.fitContentCalls).toBe(1);
  });

  it("test_drawdown_chart_theme_switch_and_dispose", () => {
    const model = new DrawdownChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setPalette(PALETTES.light);
    expect(chart.series[0]?.options["lineColor"]).toBe(PALETTES.light.down);
    expect(chart.series[0]?.options["topColor"]).toBe("rgba(242, 54, 69, 0.3)");
    model.dispose();
    expect(chart.removed).toBe(true);
  });

  it("test_with_alpha_hex_to_rgba_other_kept", () => {
    expect(withAlpha("#ef5350", 0.5)).toBe("rgba(239, 83, 80, 0.5)");
    expect(withAlpha("rgba(1, 2, 3, 1)", 0.5)).toBe("rgba(1, 2, 3, 1)");
  });
});
