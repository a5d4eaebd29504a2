/**
 * Candles with trade markers, owned outside React: a bot's live chart (its symbol and
 * timeframe, closed trades and the fills arriving on the stream) and a backtest's results
 * (the run's candles and trades). Markers are recomputed whenever candles, trades or fills
 * change, because each marker is placed on the candle containing it (tradeMarkers.ts).
 * Live candles update the last bar or append one, like the markets chart.
 */
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type Time,
} from "lightweight-charts";
import { chartOptions } from "./chartOptions";
import type { ChartPalette } from "./chartPalette";
import type { LiveCandle } from "./priceChartModel";
import { barStepMs, type CandleColumns, candleBars, toTime } from "./seriesData";
import { type FillMark, type TradeMark, tradeMarkers } from "./tradeMarkers";

export interface TradeChartLibrary {
  createChart: typeof createChart;
  createSeriesMarkers: typeof createSeriesMarkers;
}

const LIBRARY: TradeChartLibrary = { createChart, createSeriesMarkers };

export class TradeChartModel {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<"Candlestick", Time>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private candleTimes: number[] = [];
  private stepMs = 0;
  private trades: readonly TradeMark[] = [];
  private fills: readonly FillMark[] = [];
  private palette: ChartPalette;

  constructor(container: HTMLElement, palette: ChartPalette, library: TradeChartLibrary = LIBRARY) {
    this.palette = palette;
    this.chart = library.createChart(container, chartOptions(palette));
    this.candles = this.chart.addSeries(CandlestickSeries, this.candleOptions());
    this.markers = library.createSeriesMarkers(this.candles, []);
  }

  setCandles(columns: CandleColumns): void {
    this.candles.setData(candleBars(columns));
    this.candleTimes = [...columns.ts_ms];
    this.stepMs = barStepMs(columns.ts_ms);
    this.drawMarkers();
    this.chart.timeScale().fitContent();
  }

  setTrades(trades: readonly TradeMark[]): void {
    this.trades = trades;
    this.drawMarkers();
  }

  setFills(fills: readonly FillMark[]): void {
    this.fills = fills;
    this.drawMarkers();
  }

  /** A candle from the stream; older than the last bar: ignored (false). */
  updateCandle(candle: LiveCandle): boolean {
    const last = this.candleTimes.at(-1);
    if (last !== undefined && candle.ts_ms < last) return false;
    const { open, high, low, close } = candle;
    this.candles.update({ time: toTime(candle.ts_ms), open, high, low, close });
    if (last === undefined || candle.ts_ms > last) {
      this.candleTimes.push(candle.ts_ms);
      if (this.stepMs === 0 && last !== undefined) this.stepMs = candle.ts_ms - last;
      this.drawMarkers(); // a fill that waited for its candle can now be placed
    }
    return true;
  }

  setPalette(palette: ChartPalette): void {
    this.palette = palette;
    this.chart.applyOptions(chartOptions(palette));
    this.candles.applyOptions(this.candleOptions());
    this.drawMarkers();
  }

  dispose(): void {
    this.markers.detach();
    this.chart.remove();
  }

  private drawMarkers(): void {
    this.markers.setMarkers(
      tradeMarkers(this.trades, this.fills, this.candleTimes, this.stepMs, this.palette),
    );
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
}
