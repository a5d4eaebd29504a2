/**
 * The overview's equity curve, owned outside React: one area series of cumulative net
 * PnL per UTC day (quote currency). Points arrive as numbers for drawing only; the exact
 * decimal totals are computed and shown elsewhere (shared/decimal.ts).
 */
import { AreaSeries, createChart, type IChartApi, type ISeriesApi, type Time } from "lightweight-charts";
import { chartOptions } from "./chartOptions";
import type { ChartPalette } from "./chartPalette";
import { toTime } from "./seriesData";

export interface EquityPoint {
  ts_ms: number;
  value: number;
}

export class EquityChartModel {
  readonly chart: IChartApi;
  private readonly area: ISeriesApi<"Area", Time>;

  constructor(container: HTMLElement, palette: ChartPalette, create: typeof createChart = createChart) {
    this.chart = create(container, chartOptions(palette));
    this.area = this.chart.addSeries(AreaSeries, this.areaOptions(palette));
  }

  setPoints(points: readonly EquityPoint[]): void {
    this.area.setData(points.map((point) => ({ time: toTime(point.ts_ms), value: point.value })));
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
      lineColor: palette.equity,
      topColor: palette.equityFill,
      bottomColor: "rgba(0, 0, 0, 0)",
      lineWidth: 2 as const,
      priceLineVisible: false,
    };
  }
}
