/**
 * A bot's live chart: the last 1,000 candles of one of its symbols at its timeframe
 * (GET /market/candles), live candles from the candle channel, and markers of its
 * closed trades (GET /trades?bot_id=) and of its fills (its latest 500 from
 * GET /fills?bot_id=, then those arriving on its stream channel, each once).
 */
import { useId, useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { useBotFills, useBotTrades } from "../../data/bots";
import { useCandles } from "../../data/market";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { TradeChart } from "../../shared/TradeChart";
import { candleChannel } from "../markets/marketSelection";
import { fillMarksOf, markersOnCandles, tradeMarksOf } from "./botChartData";

const CANDLES = 1000;

export function BotChartPanel(props: { bot: Schemas["BotPublic"] }) {
  const { bot } = props;
  const t = useT();
  const id = useId();
  const [symbol, setSymbol] = useState(bot.symbols[0] ?? "");
  const market = useMemo(
    () => (symbol === "" ? null : { exchange: bot.exchange, symbol, timeframe: bot.timeframe }),
    [bot.exchange, bot.timeframe, symbol],
  );
  const candles = useCandles(market, CANDLES);
  const trades = useBotTrades(bot.id);
  const { fills, query: recentFills } = useBotFills(bot.id);
  const tradeMarks = useMemo(() => tradeMarksOf(trades.data?.items ?? [], symbol), [trades.data, symbol]);
  const fillMarks = useMemo(() => fillMarksOf(fills, symbol), [fills, symbol]);
  const empty = candles.data !== undefined && candles.data.ts_ms.length === 0;
  const drawn = useMemo(
    () => markersOnCandles(tradeMarks, fillMarks, candles.data?.ts_ms ?? []),
    [tradeMarks, fillMarks, candles.data],
  );

  return (
    <Panel title={t("bots.detail.chart")}>
      {bot.symbols.length > 1 && (
        <div className="toolbar">
          <label htmlFor={`${id}-symbol`}>{t("bots.detail.chartSymbol")}</label>
          <select id={`${id}-symbol`} value={symbol} onChange={(e) => setSymbol(e.target.value)}>
            {bot.symbols.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      )}
      <p className="muted">{t("bots.detail.chartNote", { symbol, timeframe: bot.timeframe })}</p>
      {empty && <p className="muted">{t("bots.detail.noCandles", { symbol, timeframe: bot.timeframe })}</p>}
      <ErrorNotice error={candles.error ?? trades.error ?? recentFills.error} />
      <TradeChart
        candles={candles.data}
        trades={tradeMarks}
        fills={fillMarks}
        liveChannel={market === null ? null : candleChannel(market)}
        label={t("bots.detail.chartNote", { symbol, timeframe: bot.timeframe })}
        testId="bot-chart"
      />
      {candles.data && (
        <p className="muted" data-testid="bot-chart-markers" data-count={drawn}>
          {t("common.markersDrawn", { count: drawn })}
        </p>
      )}
    </Panel>
  );
}
