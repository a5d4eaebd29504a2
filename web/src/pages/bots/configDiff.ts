/**
 * The difference between two saved configurations of a bot, as the API's diff endpoint
 * words it (`ConfigChangePublic`: a dotted `key` such as `risk.max_leverage`, the `old`
 * and `new` values, null for absent). Computed here from the versions already loaded, so
 * choosing two versions costs no request. Objects are walked key by key; arrays and
 * scalars are leaves compared by value.
 */

export interface ConfigChange {
  key: string;
  old: unknown;
  new: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every leaf of a configuration under its dotted path. */
export function flattenConfig(config: Record<string, unknown>, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(config)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [leaf, leafValue] of flattenConfig(value, path)) out.set(leaf, leafValue);
    } else {
      out.set(path, value);
    }
  }
  return out;
}

/** The leaves that differ from `older` to `newer`, sorted by key. */
export function diffConfigs(older: Record<string, unknown>, newer: Record<string, unknown>): ConfigChange[] {
  const before = flattenConfig(older);
  const after = flattenConfig(newer);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: ConfigChange[] = [];
  for (const key of keys) {
    const old = before.has(key) ? before.get(key) : null;
    const now = after.has(key) ? after.get(key) : null;
    if (JSON.stringify(old) !== JSON.stringify(now)) changes.push({ key, old, new: now });
  }
  return changes;
}

/** A value as a cell shows it: strings as they are (exact decimals), the rest as JSON. */
export function formatConfigValue(value: unknown): string {
  if (value === null || value === undefined) return "–";
  return typeof value === "string" ? value : JSON.stringify(value);
}
