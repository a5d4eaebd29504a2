/**
 * Chart colours per theme. lightweight-charts draws on canvas and cannot read CSS
 * variables, so each theme's colours are also spelled out here (keep them in step with
 * theme/theme.css) and handed to the chart models, which re-apply them on a theme switch.
 * No import of the chart library here: the theme provider uses this module, and the
 * library must stay out of the first chunk (it loads with the first page with a chart).
 */
export type ThemeName = "dark" | "light";

export interface ChartPalette {
  background: string;
  text: string;
  grid: string;
  up: string;
  down: string;
  volumeUp: string;
  volumeDown: string;
  equity: string;
  equityFill: string;
  profile: string;
  profileValueArea: string;
  profilePoc: string;
  fibonacci: string;
  elliott: string;
}

export const PALETTES: Record<ThemeName, ChartPalette> = {
  dark: {
    background: "#11151c",
    text: "#c9d1d9",
    grid: "#1f2630",
    up: "#26a69a",
    down: "#ef5350",
    volumeUp: "rgba(38, 166, 154, 0.45)",
    volumeDown: "rgba(239, 83, 80, 0.45)",
    equity: "#4f9dff",
    equityFill: "rgba(79, 157, 255, 0.18)",
    profile: "rgba(160, 174, 192, 0.28)",
    profileValueArea: "rgba(79, 157, 255, 0.35)",
    profilePoc: "rgba(255, 193, 7, 0.75)",
    fibonacci: "#b39ddb",
    elliott: "#ffb74d",
  },
  light: {
    background: "#ffffff",
    text: "#1f2328",
    grid: "#eef1f4",
    up: "#089981",
    down: "#f23645",
    volumeUp: "rgba(8, 153, 129, 0.35)",
    volumeDown: "rgba(242, 54, 69, 0.35)",
    equity: "#1f6feb",
    equityFill: "rgba(31, 111, 235, 0.14)",
    profile: "rgba(100, 110, 125, 0.22)",
    profileValueArea: "rgba(31, 111, 235, 0.28)",
    profilePoc: "rgba(214, 137, 16, 0.8)",
    fibonacci: "#7e57c2",
    elliott: "#e65100",
  },
};
