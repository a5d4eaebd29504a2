/**
 * Exact sums of the API's decimal strings (money and quantities are never floats, see
 * docs/api.md). A value is held as a BigInt of units of 10^-scale; results are plain
 * decimal strings without exponent, trailing zeros trimmed.
 */
const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

interface Scaled {
  units: bigint;
  scale: number;
}

function parse(text: string): Scaled {
  const match = DECIMAL.exec(text.trim());
  if (match === null) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ""] = match;
  const units = BigInt(`${whole as string}${fraction}`);
  return { units: sign === "-" ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
  const text = fraction === "" ? whole : `${whole}.${fraction}`;
  return negative && text !== "0" ? `-${text}` : text;
}

/** The exact sum of decimal strings ("0" for none). */
export function sumDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  const total = parsed.reduce((acc, value) => acc + rescale(value, scale), 0n);
  return format(total, scale);
}

/** Running totals: the i-th entry is the exact sum of the first i + 1 values. */
export function cumulativeDecimals(values: readonly string[]): string[] {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  let total = 0n;
  return parsed.map((value) => {
    total += rescale(value, scale);
    return format(total, scale);
  });
}

/** -1, 0 or 1. */
export function decimalSign(value: string): -1 | 0 | 1 {
  const units = parse(value).units;
  return units < 0n ? -1 : units > 0n ? 1 : 0;
}
