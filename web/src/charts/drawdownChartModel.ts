/**
 * A backtest's drawdown, owned outside React: one area series hanging below zero, the
 * depth under the running equity peak in percent (the API's `drawdown_pct`, >= 0, is
 * drawn as its negative so that deeper is lower). Times are candle closes, UTC ms in.
 */
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type Time } from "lightweight-charts";
import { chartOptions } from "./chartOptions";
import type { ChartPalette } from "./chartPalette";
import { toTime } from "./seriesData";

/** `#rrggbb` as `rgba(r, g, b, alpha)`; any other colour string is returned as it is. */
export function withAlpha(color: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (match === null) return color;
  const [r, g, b] = match.slice(1).map((hex) => parseInt(hex, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export class DrawdownChartModel {
  readonly chart: IChartApi;
  private readonly area: ISeriesApi<"Area", Time>;

  constructor(container: HTMLElement, palette: ChartPalette, create: typeof createChart = createChart) {
    this.chart = create(container, chartOptions(palette));
    this.area = this.chart.addSeries(AreaSeries, this.areaOptions(palette));
  }

  /** `tsMs[i]` with depth `drawdownPct[i]` (both arrays as the API sends them). */
  setDrawdown(tsMs: readonly number[], drawdownPct: readonly number[]): void {
    const n = Math.min(tsMs.length, drawdownPct.length);
    const points = new Array<{ time: Time; value: number }>(n);
    for (let i = 0; i < n; i += 1) {
      const depth = drawdownPct[i] as number;
      points[i] = { time: toTime(tsMs[i] as number), value: depth === 0 ? 0 : -depth };
    }
    this.area.setData(points);
    this.chart.timeScale().fitContent();
  }

  setPalette(palette: ChartPalette): void {
    this.chart.applyOptions(chartOptions(palette));
    this.area.applyOptions(this.areaOptions(palette));
  }

  dispose(): void {
    this.chart.remove();
  }

  private areaOptions(palette: ChartPalette) {
    return {
      lineColor: palette.down,
      // Inverted so the fill runs from the zero line down to the curve.
      invertFilledArea: true,
      topColor: withAlpha(palette.down, 0.3),
      bottomColor: "rgba(0, 0, 0, 0)",
      lineWidth: 2 as const,
      priceLineVisible: false,
      priceFormat: { type: "percent" as const },
    };
  }
}
