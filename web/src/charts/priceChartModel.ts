/**
 * The markets page's chart, owned outside React: candles and volume on the price pane,
 * indicator overlays (SMA, EMA, Bollinger, Ichimoku) on it, oscillators (RSI, MACD) in
 * panes below, Elliott wave labels (markers plus the path joining the wave points),
 * Fibonacci levels (price lines) and the volume profile (a series primitive).
 *
 * Times are UTC epoch milliseconds in and UTC seconds on the chart (seriesData.ts).
 * The React component creates one model per mounted chart, feeds it data, and calls
 * `dispose()` on unmount; nothing here knows React.
 */
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  LineStyle,
  type SeriesMarker,
  type SeriesType,
  type Time,
} from "lightweight-charts";
import { chartOptions } from "./chartOptions";
import type { ChartPalette } from "./chartPalette";
import { INDICATOR_LAYOUTS, type IndicatorKey } from "./indicatorLayout";
import {
  barStepMs,
  type CandleColumns,
  candleBars,
  type Line,
  lineData,
  shiftedLineData,
  signedHistogram,
  toTime,
  volumeBars,
} from "./seriesData";
import { type VolumeProfile, VolumeProfilePrimitive } from "./volumeProfilePrimitive";

export interface IndicatorSeriesInput {
  ts_ms: readonly number[];
  lines: Record<string, Line>;
  params: Record<string, number | string>;
}

export interface WavePoint {
  wave: string;
  ts_ms: number;
  price: number;
}

export interface FibLevel {
  kind: string;
  ratio: number;
  price: number;
}

export interface LiveCandle {
  ts_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface ChartLibrary {
  createChart: typeof createChart;
  createSeriesMarkers: typeof createSeriesMarkers;
}

const LIBRARY: ChartLibrary = { createChart, createSeriesMarkers };
const VOLUME_SCALE = "volume";

type AnySeries = ISeriesApi<SeriesType, Time>;

interface DrawnIndicator {
  series: AnySeries[];
}

export class PriceChartModel {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<"Candlestick", Time>;
  private readonly volume: ISeriesApi<"Histogram", Time>;
  private readonly indicators = new Map<IndicatorKey, DrawnIndicator>();
  private readonly waveMarkers: ISeriesMarkersPluginApi<Time>;
  private wavePath: ISeriesApi<"Line", Time> | null = null;
  private fibLines: IPriceLine[] = [];
  private fibLevels: readonly FibLevel[] = [];
  private profile: VolumeProfilePrimitive | null = null;
  private lastCandle: LiveCandle | null = null;
  private palette: ChartPalette;

  constructor(container: HTMLElement, palette: ChartPalette, library: ChartLibrary = LIBRARY) {
    this.palette = palette;
    this.chart = library.createChart(container, chartOptions(palette));
    this.candles = this.chart.addSeries(CandlestickSeries, this.candleOptions());
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: VOLUME_SCALE,
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    // Volume sits in the bottom fifth of the price pane, under the candles.
    this.chart.priceScale(VOLUME_SCALE).applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.waveMarkers = library.createSeriesMarkers(this.candles, []);
  }

  /** Replace every candle (a new market or timeframe); the view fits the data. */
  setCandles(columns: CandleColumns): void {
    this.candles.setData(candleBars(columns));
    this.volume.setData(volumeBars(columns, this.palette.volumeUp, this.palette.volumeDown));
    const n = columns.ts_ms.length;
    this.lastCandle =
      n === 0
        ? null
        : {
            ts_ms: columns.ts_ms[n - 1] as number,
            open: columns.open[n - 1] as number,
            high: columns.high[n - 1] as number,
            low: columns.low[n - 1] as number,
            close: columns.close[n - 1] as number,
            volume: columns.volume[n - 1] as number,
          };
    this.chart.timeScale().fitContent();
  }

  /**
   * A candle from the stream: updates the last bar or appends a newer one. Older candles
   * are ignored (the chart only accepts updates at or after its last bar).
   */
  updateCandle(candle: LiveCandle): boolean {
    if (this.lastCandle !== null && candle.ts_ms < this.lastCandle.ts_ms) return false;
    const time = toTime(candle.ts_ms);
    const { open, high, low, close, volume } = candle;
    this.candles.update({ time, open, high, low, close });
    this.volume.update({
      time,
      value: volume,
      color: close >= open ? this.palette.volumeUp : this.palette.volumeDown,
    });
    this.lastCandle = candle;
    return true;
  }

  /** Draw (or redraw) an indicator from its API series; overlays on the price pane. */
  setIndicator(key: IndicatorKey, input: IndicatorSeriesInput): void {
    this.removeIndicator(key);
    const layout = INDICATOR_LAYOUTS[key];
    const pane = layout.placement === "overlay" ? 0 : this.chart.panes().length;
    const step = barStepMs(input.ts_ms);
    const drawn: AnySeries[] = [];
    for (const [output, style] of Object.entries(layout.lines)) {
      const values = input.lines[output];
      if (values === undefined) continue;
      const common = { lastValueVisible: false, priceLineVisible: false, title: output };
      if (style.kind === "histogram") {
        const series = this.chart.addSeries(HistogramSeries, { ...common, color: style.color }, pane);
        series.setData(signedHistogram(input.ts_ms, values, this.palette.up, this.palette.down));
        drawn.push(series);
        continue;
      }
      const series = this.chart.addSeries(
        LineSeries,
        { ...common, color: style.color, lineWidth: 1, crosshairMarkerVisible: false },
        pane,
      );
      const shift = style.shiftParam === undefined ? 0 : Number(input.params[style.shiftParam] ?? 0);
      series.setData(
        shift > 0 ? shiftedLineData(input.ts_ms, values, shift, step) : lineData(input.ts_ms, values),
      );
      drawn.push(series);
    }
    const first = drawn[0];
    if (first !== undefined) {
      for (const price of layout.guides ?? []) {
        first.createPriceLine({
          price,
          color: this.palette.grid,
          lineStyle: LineStyle.Dashed,
          lineWidth: 1,
          axisLabelVisible: false,
        });
      }
    }
    this.indicators.set(key, { series: drawn });
  }

  removeIndicator(key: IndicatorKey): void {
    const drawn = this.indicators.get(key);
    if (drawn === undefined) return;
    // Removing a pane's last series removes the pane; later panes move up by one.
    for (const series of drawn.series) this.chart.removeSeries(series);
    this.indicators.delete(key);
  }

  get drawnIndicators(): IndicatorKey[] {
    return [...this.indicators.keys()];
  }

  /** Label the points of one Elliott count (null: clear) and join them with a line. */
  setElliott(points: readonly WavePoint[] | null): void {
    if (this.wavePath !== null) {
      this.chart.removeSeries(this.wavePath);
      this.wavePath = null;
    }
    if (points === null || points.length === 0) {
      this.waveMarkers.setMarkers([]);
      return;
    }
    const sorted = [...points].sort((a, b) => a.ts_ms - b.ts_ms);
    this.waveMarkers.setMarkers(sorted.map((_, i) => this.waveMarker(sorted, i)));
    this.wavePath = this.chart.addSeries(LineSeries, {
      color: this.palette.elliott,
      lineWidth: 2,
      lineStyle: LineStyle.Dotted,
      lastValueVisible: false,
      priceLineVisible: false,
      crosshairMarkerVisible: false,
    });
    this.wavePath.setData(sorted.map((point) => ({ time: toTime(point.ts_ms), value: point.price })));
  }

  private waveMarker(points: readonly WavePoint[], i: number): SeriesMarker<Time> {
    const point = points[i] as WavePoint;
    const neighbour = i > 0 ? points[i - 1] : points[i + 1];
    // A point above its neighbour is a peak: label above the bar; a trough below it.
    const isPeak = neighbour === undefined || point.price > neighbour.price;
    return {
      time: toTime(point.ts_ms),
      position: isPeak ? "aboveBar" : "belowBar",
      shape: "circle",
      size: 0.4,
      color: this.palette.elliott,
      text: point.wave,
    };
  }

  /** Fibonacci retracements and extensions as horizontal price lines. */
  setFibonacci(levels: readonly FibLevel[]): void {
    for (const line of this.fibLines) this.candles.removePriceLine(line);
    this.fibLevels = levels;
    this.fibLines = levels.map((level) =>
      this.candles.createPriceLine({
        price: level.price,
        color: this.palette.fibonacci,
        lineWidth: 1,
        lineStyle: level.kind === "extension" ? LineStyle.SparseDotted : LineStyle.Dashed,
        axisLabelVisible: true,
        title: `${level.kind === "extension" ? "ext" : "fib"} ${level.ratio}`,
      }),
    );
  }

  /** The volume profile on the right of the price pane (null: remove it). */
  setVolumeProfile(profile: VolumeProfile | null): void {
    if (profile === null) {
      if (this.profile !== null) this.candles.detachPrimitive(this.profile);
      this.profile = null;
      return;
    }
    if (this.profile === null) {
      this.profile = new VolumeProfilePrimitive(profile, this.profileColors());
      this.candles.attachPrimitive(this.profile);
    } else {
      this.profile.update(profile, this.profileColors());
    }
  }

  setPalette(palette: ChartPalette): void {
    this.palette = palette;
    this.chart.applyOptions(chartOptions(palette));
    this.candles.applyOptions(this.candleOptions());
    this.wavePath?.applyOptions({ color: palette.elliott });
    this.profile?.recolor(this.profileColorsFrom(palette));
    if (this.fibLevels.length > 0) this.setFibonacci(this.fibLevels);
  }

  dispose(): void {
    this.indicators.clear();
    this.chart.remove();
  }

  private candleOptions() {
    const { up, down } = this.palette;
    return {
      upColor: up,
      downColor: down,
      borderUpColor: up,
      borderDownColor: down,
      wickUpColor: up,
      wickDownColor: down,
    };
  }

  private profileColors() {
    return this.profileColorsFrom(this.palette);
  }

  private profileColorsFrom(palette: ChartPalette) {
    return { bin: palette.profile, valueArea: palette.profileValueArea, poc: palette.profilePoc };
  }
}
