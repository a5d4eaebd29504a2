/**
 * Dark and light themes: CSS variables keyed by `data-theme` on <html> (theme.css), the
 * choice persisted in localStorage, and the matching chart palette for chart models.
 */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { type ChartPalette, PALETTES, type ThemeName } from "../charts/chartPalette";

const STORAGE_KEY = "xor.theme";

interface ThemeValue {
  theme: ThemeName;
  palette: ChartPalette;
  toggle: () => void;
}

const ThemeContext = createContext<ThemeValue | null>(null);

function initialTheme(): ThemeName {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (stored === "dark" || stored === "light") return stored;
  return window.matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function ThemeProvider(props: { children: ReactNode }) {
  const [theme, setTheme] = useState<ThemeName>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset["theme"] = theme;
    window.localStorage.setItem(STORAGE_KEY, theme);
  }, [theme]);
  const value = useMemo(
    () => ({
      theme,
      palette: PALETTES[theme],
      toggle: () => setTheme((current) => (current === "dark" ? "light" : "dark")),
    }),
    [theme],
  );
  return <ThemeContext.Provider value={value}>{props.children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeValue {
  const value = useContext(ThemeContext);
  if (value === null) throw new Error("useTheme must be used inside <ThemeProvider>");
  return value;
}
