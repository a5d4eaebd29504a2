/**
 * Thin React wrapper of PriceChartModel. Each prop is handed to the model when it changes;
 * live candles of the market's stream channel go straight to the model. It reports how
 * long the last redraw took (data handed over to two frames later, so the library has
 * painted) for the on-screen timing and the speed budget (50,000 candles + 3 indicators
 * under 1 s).
 */
import { useEffect, useRef, useState } from "react";
import type { IndicatorKey } from "../../charts/indicatorLayout";
import {
  type FibLevel,
  type IndicatorSeriesInput,
  PriceChartModel,
  type WavePoint,
} from "../../charts/priceChartModel";
import type { CandleColumns } from "../../charts/seriesData";
import type { VolumeProfile } from "../../charts/volumeProfilePrimitive";
import { useStreamChannels } from "../../stream/useStream";
import { useTheme } from "../../theme/ThemeProvider";
import { liveCandleOf } from "./marketSelection";

export interface MarketChartProps {
  candles: CandleColumns | undefined;
  indicators: Partial<Record<IndicatorKey, IndicatorSeriesInput>>;
  elliott: readonly WavePoint[] | null;
  fibonacci: readonly FibLevel[];
  profile: VolumeProfile | null;
  liveChannel: string | null;
  onDrawn?: (timing: { candles: number; ms: number }) => void;
}

export function MarketChart(props: MarketChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const [model, setModel] = useState<PriceChartModel | null>(null);
  const { palette } = useTheme();
  const initialPalette = useRef(palette);
  const drawnIndicators = useRef(new Map<IndicatorKey, IndicatorSeriesInput>());
  const onDrawn = useRef(props.onDrawn);
  onDrawn.current = props.onDrawn;

  useEffect(() => {
    if (container.current === null) return undefined;
    const created = new PriceChartModel(container.current, initialPalette.current);
    setModel(created);
    return () => {
      created.dispose();
      drawnIndicators.current.clear();
      setModel(null);
    };
  }, []);

  useEffect(() => model?.setPalette(palette), [model, palette]);

  // Candles and indicators in one pass, so the timing covers the whole redraw.
  useEffect(() => {
    if (model === null || props.candles === undefined) return;
    const started = performance.now();
    model.setCandles(props.candles);
    const drawn = drawnIndicators.current;
    drawn.clear();
    for (const key of model.drawnIndicators) model.removeIndicator(key);
    for (const [key, input] of Object.entries(props.indicators) as Array<
      [IndicatorKey, IndicatorSeriesInput]
    >) {
      model.setIndicator(key, input);
      drawn.set(key, input);
    }
    const count = props.candles.ts_ms.length;
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        onDrawn.current?.({ candles: count, ms: Math.round(performance.now() - started) }),
      ),
    );
    // Deliberately not keyed on the indicators: those arriving later are drawn by the
    // effect below without redrawing 50,000 candles.
  }, [model, props.candles]);

  useEffect(() => {
    if (model === null || props.candles === undefined) return;
    const drawn = drawnIndicators.current;
    for (const key of [...drawn.keys()]) {
      if (props.indicators[key] === undefined) {
        model.removeIndicator(key);
        drawn.delete(key);
      }
    }
    for (const [key, input] of Object.entries(props.indicators) as Array<
      [IndicatorKey, IndicatorSeriesInput]
    >) {
      if (drawn.get(key) !== input) {
        model.setIndicator(key, input);
        drawn.set(key, input);
      }
    }
  }, [model, props.candles, props.indicators]);

  useEffect(() => model?.setElliott(props.elliott), [model, props.elliott]);
  useEffect(() => model?.setFibonacci(props.fibonacci), [model, props.fibonacci]);
  useEffect(() => model?.setVolumeProfile(props.profile), [model, props.profile]);

  useStreamChannels(props.liveChannel === null ? [] : [props.liveChannel], ({ data }) => {
    const candle = liveCandleOf(data);
    if (candle !== null) model?.updateCandle(candle);
  });

  return <div ref={container} className="chart-tall" />;
}
