/** The chart-wide lightweight-charts options of a palette (layout, grid, time axis). */
import { type ChartOptions, ColorType, type DeepPartial } from "lightweight-charts";
import type { ChartPalette } from "./chartPalette";

export function chartOptions(palette: ChartPalette): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: palette.background },
      textColor: palette.text,
      panes: { separatorColor: palette.grid },
    },
    grid: { vertLines: { color: palette.grid }, horzLines: { color: palette.grid } },
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: palette.grid },
    rightPriceScale: { borderColor: palette.grid },
  };
}
