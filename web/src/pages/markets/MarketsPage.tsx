/**
 * Markets: candles and volume of a stored market, indicator overlays and panes, Elliott
 * wave labels, Fibonacci levels, the volume profile, live candles from the stream, and the
 * market context scores of every stored market.
 */
import { useMemo, useState } from "react";
import { INDICATOR_KEYS, INDICATOR_LAYOUTS, type IndicatorKey } from "../../charts/indicatorLayout";
import type { IndicatorSeriesInput } from "../../charts/priceChartModel";
import { useCandles, useElliott, useIndicator, useIndicators, useMarkets } from "../../data/market";
import type { MarketKey } from "../../data/queryKeys";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { ContextScores } from "./ContextScores";
import { MarketChart } from "./MarketChart";
import { candleChannel, defaultMarket, marketId, parseMarketId } from "./marketSelection";

const CANDLE_LIMITS = [1000, 5000, 20000, 50000] as const;

export function MarketsPage() {
  const t = useT();
  const markets = useMarkets();
  const [picked, setPicked] = useState<MarketKey | null>(null);
  const [limit, setLimit] = useState<number>(5000);
  const [enabled, setEnabled] = useState<ReadonlySet<IndicatorKey>>(new Set(["sma", "bollinger", "rsi"]));
  const [showElliott, setShowElliott] = useState(true);
  const [showFibonacci, setShowFibonacci] = useState(false);
  const [showProfile, setShowProfile] = useState(false);
  const [timing, setTiming] = useState<{ candles: number; ms: number } | null>(null);

  const stored = markets.data?.items ?? [];
  const market = picked ?? defaultMarket(stored);
  const candles = useCandles(market, limit);

  const requests = useMemo(
    () =>
      INDICATOR_KEYS.map((key) => ({
        name: key,
        enabled: enabled.has(key),
        params: INDICATOR_LAYOUTS[key].params ?? {},
      })),
    [enabled],
  );
  const answers = useIndicators(requests, market, limit);
  const fibonacci = useIndicator("fibonacci", market, limit, showFibonacci);
  const profile = useIndicator("volume_profile", market, limit, showProfile);
  const elliott = useElliott(market, limit, showElliott);

  const indicators = useMemo(() => {
    const drawn: Partial<Record<IndicatorKey, IndicatorSeriesInput>> = {};
    INDICATOR_KEYS.forEach((key, i) => {
      const data = answers.data[i];
      if (enabled.has(key) && data?.lines)
        drawn[key] = { ts_ms: data.ts_ms, lines: data.lines, params: data.params };
    });
    return drawn;
  }, [enabled, answers.data]);

  const current = showElliott ? (elliott.data?.current ?? null) : null;
  const fibLevels = useMemo(
    () => (showFibonacci ? (fibonacci.data?.levels ?? []) : []),
    [showFibonacci, fibonacci.data],
  );
  const profileData = showProfile ? (profile.data?.profile ?? null) : null;

  const toggle = (key: IndicatorKey) =>
    setEnabled((previous) => {
      const next = new Set(previous);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  if (markets.data !== undefined && stored.length === 0) {
    return (
      <Panel title={t("markets.title")}>
        <p className="muted">{t("markets.noMarkets")}</p>
      </Panel>
    );
  }

  const errors = [candles.error, elliott.error, fibonacci.error, profile.error, ...answers.errors];
  return (
    <>
      <h1>{t("markets.title")}</h1>
      <section className="panel">
        <div className="toolbar">
          <label>
            {t("markets.market")}{" "}
            <select
              value={market === null ? "" : marketId(market)}
              onChange={(e) => setPicked(parseMarketId(e.target.value))}
            >
              {stored.map((m) => (
                <option key={marketId(m)} value={marketId(m)}>
                  {m.exchange} {m.symbol} {m.timeframe}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("markets.candles")}{" "}
            <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {CANDLE_LIMITS.map((n) => (
                <option key={n} value={n}>
                  {n.toLocaleString()}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="toolbar">
            <legend>{t("markets.indicators")}</legend>
            {INDICATOR_KEYS.map((key) => (
              <label key={key}>
                <input type="checkbox" checked={enabled.has(key)} onChange={() => toggle(key)} />{" "}
                {key.toUpperCase()}
              </label>
            ))}
            <label>
              <input type="checkbox" checked={showElliott} onChange={() => setShowElliott((v) => !v)} />{" "}
              {t("markets.elliott")}
            </label>
            <label>
              <input type="checkbox" checked={showFibonacci} onChange={() => setShowFibonacci((v) => !v)} />{" "}
              {t("markets.fibonacci")}
            </label>
            <label>
              <input type="checkbox" checked={showProfile} onChange={() => setShowProfile((v) => !v)} />{" "}
              {t("markets.volumeProfile")}
            </label>
          </fieldset>
        </div>
        {errors.map((error, i) => (error ? <ErrorNotice key={i} error={error} /> : null))}
        <MarketChart
          candles={candles.data}
          indicators={indicators}
          elliott={current?.points ?? null}
          fibonacci={fibLevels}
          profile={profileData}
          liveChannel={market === null ? null : candleChannel(market)}
          onDrawn={setTiming}
        />
        <p className="muted" data-testid="draw-timing">
          {timing !== null && t("markets.drawn", { count: timing.candles.toLocaleString(), ms: timing.ms })}
          {candles.data?.resampled_from ? ` · resampled from ${candles.data.resampled_from}` : ""}
        </p>
        {showElliott && elliott.data !== undefined && (
          <p>
            {current === null
              ? t("markets.elliott.none")
              : t("markets.elliott.current", {
                  kind: current.kind,
                  position: current.position,
                  confidence: current.confidence.toFixed(2),
                })}
          </p>
        )}
      </section>
      <ContextScores timeframe={market?.timeframe ?? null} onPick={setPicked} />
    </>
  );
}
