/**
 * Backtest runs compared on one chart, owned outside React: one line per run, its equity
 * as a return in percent of the run's first point, so runs with different capital share a
 * scale. Runs are keyed by id; setting the runs again replaces every line.
 */
import {
  createChart,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type LineData,
  type Time,
} from "lightweight-charts";
import { chartOptions } from "./chartOptions";
import type { ChartPalette } from "./chartPalette";
import { toTime } from "./seriesData";

export interface ComparedRun {
  id: string;
  label: string;
  ts_ms: readonly number[];
  equity: readonly number[];
}

/** Equity as % return over its first point (an empty or zero-based curve draws nothing). */
export function returnPctLine(tsMs: readonly number[], equity: readonly number[]): LineData<Time>[] {
  const first = equity[0];
  if (first === undefined || first === 0 || !Number.isFinite(first)) return [];
  const n = Math.min(tsMs.length, equity.length);
  const points = new Array<LineData<Time>>(n);
  for (let i = 0; i < n; i += 1) {
    points[i] = { time: toTime(tsMs[i] as number), value: ((equity[i] as number) / first - 1) * 100 };
  }
  return points;
}

/** The line colours of a palette, one per run in turn. */
export function runColors(palette: ChartPalette): string[] {
  return [palette.equity, palette.elliott, palette.fibonacci, palette.up, palette.down, palette.text];
}

export class ComparisonChartModel {
  readonly chart: IChartApi;
  private lines: Array<ISeriesApi<"Line", Time>> = [];
  private palette: ChartPalette;

  constructor(container: HTMLElement, palette: ChartPalette, create: typeof createChart = createChart) {
    this.palette = palette;
    this.chart = create(container, chartOptions(palette));
  }

  setRuns(runs: readonly ComparedRun[]): void {
    for (const line of this.lines) this.chart.removeSeries(line);
    const colors = runColors(this.palette);
    this.lines = runs.map((run, i) => {
      const line = this.chart.addSeries(LineSeries, {
        color: colors[i % colors.length] as string,
        lineWidth: 2,
        title: run.label,
        priceLineVisible: false,
        priceFormat: { type: "percent" },
      });
      line.setData(returnPctLine(run.ts_ms, run.equity));
      return line;
    });
    this.chart.timeScale().fitContent();
  }

  setPalette(palette: ChartPalette): void {
    this.palette = palette;
    this.chart.applyOptions(chartOptions(palette));
    const colors = runColors(palette);
    this.lines.forEach((line, i) => line.applyOptions({ color: colors[i % colors.length] as string }));
  }

  dispose(): void {
    this.chart.remove();
  }
}
