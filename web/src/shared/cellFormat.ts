/** How table cells show the API's values: signed decimals coloured by sign, ISO times in UTC. */

/**
 * The class of a signed decimal cell: green up, red down (dark theme only, see
 * dataTable.css: the light theme's --up/--down on white are below 4.5:1 for text).
 */
export function signedClass(value: string | null | undefined): string {
  if (value === null || value === undefined) return "num muted";
  const text = value.trim();
  if (text.startsWith("-")) return "num pnl-down";
  return /[1-9]/.test(text) ? "num pnl-up" : "num";
}

/** An ISO time as "YYYY-MM-DD HH:MM:SS" (UTC). */
export function utcTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "–";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}
