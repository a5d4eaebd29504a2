import { beforeEach, describe, expect, it, vi } from "vitest";
import { PALETTES } from "./chartPalette";
import { ComparisonChartModel, returnPctLine, runColors } from "./comparisonChartModel";
import { type FakeChart, fakeCharts, resetFakes } from "./fakeChart";

vi.mock("lightweight-charts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("lightweight-charts")>();
  const { fakeLibrary } = await import("./fakeChart");
  return { ...actual, ...fakeLibrary };
});

const T0 = Date.parse("2025-03-01T00:00:00Z");
const TS = [T0, T0 + 60_000, T0 + 120_000];

beforeEach(resetFakes);

describe("ComparisonChartModel", () => {
  it("test_return_pct_line_relative_to_first_point", () => {
    expect(returnPctLine(TS, [200, 210, 190])).toEqual([
      { time: T0 / 1000, value: 0 },
      { time: T0 / 1000 + 60, value: 5.000000000000004 },
      { time: T0 / 1000 + 120, value: -5.000000000000004 },
    ]);
    expect(returnPctLine(TS, [])).toEqual([]);
    expect(returnPctLine(TS, [0, 1, 2])).toEqual([]);
  });

  it("test_comparison_chart_one_line_per_run_replaced_on_new_runs", () => {
    const model = new ComparisonChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setRuns([
      { id: "a", label: "run a", ts_ms: TS, equity: [100, 110, 120] },
      { id: "b", label: "run b", ts_ms: TS, equity: [1000, 900, 950] },
    ]);
    expect(chart.ofType("Line").map((s) => [s.options["title"], s.options["color"]])).toEqual([
      ["run a", runColors(PALETTES.dark)[0]],
      ["run b", runColors(PALETTES.dark)[1]],
    ]);
    expect((chart.series[1]?.data[1] as { value: number }).value).toBeCloseTo(-10, 10);
    model.setRuns([{ id: "c", label: "run c", ts_ms: TS, equity: [1, 1, 1] }]);
    expect(chart.series.map((s) => s.options["title"])).toEqual(["run c"]);
  });

  it("test_comparison_chart_theme_switch_recolours_lines_and_dispose", () => {
    const model = new ComparisonChartModel({} as HTMLElement, PALETTES.dark);
    const chart = fakeCharts[0] as FakeChart;
    model.setRuns([{ id: "a", label: "a", ts_ms: TS, equity: [1, 2, 3] }]);
    model.setPalette(PALETTES.light);
    expect(chart.series[0]?.options["color"]).toBe(PALETTES.light.equity);
    model.dispose();
    expect(chart.removed).toBe(true);
  });
});
