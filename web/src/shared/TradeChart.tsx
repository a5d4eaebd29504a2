/**
 * Thin React wrapper of TradeChartModel (candles with trade and fill markers): creates it
 * on mount, hands each prop over when it changes, sends live candles of `liveChannel`
 * (when given) to the model, and disposes of it on unmount.
 */
import { useEffect, useRef, useState } from "react";
import type { CandleColumns } from "../charts/seriesData";
import { TradeChartModel } from "../charts/tradeChartModel";
import type { FillMark, TradeMark } from "../charts/tradeMarkers";
import { liveCandleOf } from "../pages/markets/marketSelection";
import { useStreamChannels } from "../stream/useStream";
import { useTheme } from "../theme/ThemeProvider";

const NO_CHANNELS: readonly string[] = [];

export function TradeChart(props: {
  candles: CandleColumns | undefined;
  trades: readonly TradeMark[];
  fills?: readonly FillMark[];
  liveChannel?: string | null;
  label: string;
  testId?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [model, setModel] = useState<TradeChartModel | null>(null);
  const { palette } = useTheme();
  const initialPalette = useRef(palette);

  useEffect(() => {
    if (container.current === null) return undefined;
    const created = new TradeChartModel(container.current, initialPalette.current);
    setModel(created);
    return () => {
      created.dispose();
      setModel(null);
    };
  }, []);

  useEffect(() => model?.setPalette(palette), [model, palette]);
  useEffect(() => {
    if (props.candles !== undefined) model?.setCandles(props.candles);
  }, [model, props.candles]);
  useEffect(() => model?.setTrades(props.trades), [model, props.trades]);
  useEffect(() => model?.setFills(props.fills ?? []), [model, props.fills]);

  useStreamChannels(props.liveChannel ? [props.liveChannel] : NO_CHANNELS, ({ data }) => {
    const candle = liveCandleOf(data);
    if (candle !== null) model?.updateCandle(candle);
  });

  return (
    <div
      ref={container}
      className="chart"
      role="figure"
      aria-label={props.label}
      data-testid={props.testId}
    />
  );
}
