/**
 * How each indicator of the markets page is drawn: on the price pane (overlays) or in a
 * pane of its own below it, which of its API output lines are drawn, in which colour, and
 * the guide levels of oscillators. Names and outputs are those of
 * GET /api/v1/market/indicators (src/xor_trading/indicators/catalog.py).
 */
export type IndicatorKey = "sma" | "ema" | "bollinger" | "ichimoku" | "rsi" | "macd";

export interface LineStyleSpec {
  color: string;
  kind: "line" | "histogram";
  /** Draw this many candles ahead (the API's `*_ahead` spans); the param that holds it. */
  shiftParam?: string;
}

export interface IndicatorLayout {
  placement: "overlay" | "pane";
  lines: Record<string, LineStyleSpec>;
  guides?: readonly number[];
  params?: Record<string, number>;
}

export const INDICATOR_LAYOUTS: Record<IndicatorKey, IndicatorLayout> = {
  sma: { placement: "overlay", lines: { sma: { color: "#f6c343", kind: "line" } }, params: { period: 50 } },
  ema: { placement: "overlay", lines: { ema: { color: "#42a5f5", kind: "line" } }, params: { period: 20 } },
  bollinger: {
    placement: "overlay",
    lines: {
      upper: { color: "#ab47bc", kind: "line" },
      middle: { color: "#8e7cc3", kind: "line" },
      lower: { color: "#ab47bc", kind: "line" },
    },
  },
  ichimoku: {
    placement: "overlay",
    lines: {
      tenkan: { color: "#e91e63", kind: "line" },
      kijun: { color: "#3f51b5", kind: "line" },
      // senkou_a/b equal the *_ahead spans shifted; drawing the spans also shows the future cloud.
      senkou_a_ahead: { color: "#66bb6a", kind: "line", shiftParam: "displacement" },
      senkou_b_ahead: { color: "#ef5350", kind: "line", shiftParam: "displacement" },
      chikou: { color: "#9e9e9e", kind: "line" },
    },
  },
  rsi: { placement: "pane", lines: { rsi: { color: "#7e57c2", kind: "line" } }, guides: [30, 70] },
  macd: {
    placement: "pane",
    lines: {
      histogram: { color: "#78909c", kind: "histogram" },
      macd: { color: "#42a5f5", kind: "line" },
      signal: { color: "#ff7043", kind: "line" },
    },
    guides: [0],
  },
};

export const INDICATOR_KEYS = Object.keys(INDICATOR_LAYOUTS) as IndicatorKey[];
