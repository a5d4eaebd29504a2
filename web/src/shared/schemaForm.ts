/**
 * A strategy's JSON Schema (GET /strategies: `parameters_schema`, draft 2020-12, as
 * pydantic writes it) turned into form fields, and the form's text checked before it is
 * sent, with the same bounds the server applies.
 *
 * Supported per property: `type` integer, number, boolean, string; `enum` (a select);
 * `anyOf` with `{"type": "null"}` (optional: an empty box sends null); a `$ref` into
 * `$defs`; `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`,
 * `maxLength`, `pattern`. Anything else (arrays, objects) is edited as JSON text.
 *
 * `fieldsFromValues` does the same for a settings section that has no schema in the API (a
 * bot's `risk`: its stored values say each field's type; decimal strings stay exact strings).
 *
 * Values live as the text of the inputs (`string`) or a checkbox (`boolean`) until
 * `validateForm` turns them into the JSON the API takes: numbers as JSON numbers (the
 * strategy params are floats/ints in their schema; money never goes through this form).
 */
import type { MessageKey } from "../i18n/en";

export type FieldKind = "integer" | "number" | "decimal" | "boolean" | "enum" | "string" | "json";
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface FormField {
  name: string;
  label: string;
  description: string;
  kind: FieldKind;
  options: readonly (string | number)[];
  required: boolean;
  nullable: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  defaultValue?: JsonValue;
}

export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

export interface FieldError {
  key: MessageKey;
  values?: Record<string, string | number>;
}

export interface FormCheck {
  /** The JSON to send, field by field (only when `errors` is empty). */
  params: Record<string, JsonValue>;
  errors: Record<string, FieldError>;
}

type Schema = Record<string, unknown>;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolve(node: Schema, root: Schema): Schema {
  const ref = node["$ref"];
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = isSchema(target) ? target[part] : undefined;
  return isSchema(target) ? { ...target, ...node, $ref: undefined } : node;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** "max_hold_candles" -> "Max hold candles" (when the schema has no title). */
export function humanise(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function kindOf(node: Schema): FieldKind {
  if (Array.isArray(node["enum"])) return "enum";
  switch (node["type"]) {
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    default:
      return "json";
  }
}

function fieldOf(name: string, raw: Schema, root: Schema, required: boolean): FormField {
  let node = resolve(raw, root);
  let nullable = false;
  const anyOf = node["anyOf"];
  if (Array.isArray(anyOf)) {
    const branches = anyOf.filter(isSchema).map((branch) => resolve(branch, root));
    nullable = branches.some((branch) => branch["type"] === "null");
    const concrete = branches.filter((branch) => branch["type"] !== "null");
    if (concrete.length === 1) node = { ...node, ...concrete[0], anyOf: undefined };
  }
  const kind = Array.isArray(node["anyOf"]) ? "json" : kindOf(node);
  const field: FormField = {
    name,
    label: typeof node["title"] === "string" ? node["title"] : humanise(name),
    description: typeof node["description"] === "string" ? node["description"] : "",
    kind,
    options: Array.isArray(node["enum"])
      ? node["enum"].filter((v): v is string | number => typeof v === "string" || typeof v === "number")
      : [],
    required,
    nullable,
  };
  const bounds = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
  ] as const;
  for (const bound of bounds) {
    const value = numberOf(node[bound]);
    if (value !== undefined) field[bound] = value;
  }
  if (typeof node["pattern"] === "string") field.pattern = node["pattern"];
  if ("default" in node) field.defaultValue = node["default"] as JsonValue;
  return field;
}

/** The form fields of an object schema, in the schema's property order. */
export function fieldsFromSchema(schema: Record<string, unknown>): FormField[] {
  const properties = schema["properties"];
  if (!isSchema(properties)) return [];
  const required = new Set(
    Array.isArray(schema["required"]) ? schema["required"].filter((n) => typeof n === "string") : [],
  );
  return Object.entries(properties)
    .filter((entry): entry is [string, Schema] => isSchema(entry[1]))
    .map(([name, node]) => fieldOf(name, node, schema, required.has(name)));
}

/**
 * Fields for a section known only by its values: booleans, integers, floats, decimal
 * strings ("5", "0.2") and nulls (an optional decimal: empty sends null).
 */
export function fieldsFromValues(values: Record<string, unknown>): FormField[] {
  return Object.entries(values).map(([name, value]): FormField => {
    const base = { name, label: humanise(name), description: "", options: [], required: false };
    if (typeof value === "boolean") return { ...base, kind: "boolean", nullable: false };
    if (typeof value === "number") {
      return { ...base, kind: Number.isInteger(value) ? "integer" : "number", nullable: false };
    }
    if (value === null) return { ...base, kind: "decimal", nullable: true };
    if (typeof value === "string" && DECIMAL.test(value))
      return { ...base, kind: "decimal", nullable: false };
    if (typeof value === "string") return { ...base, kind: "string", nullable: false };
    return { ...base, kind: "json", nullable: false };
  });
}

function toText(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The inputs' starting values: `values` where given, else the field's default. */
export function initialValues(
  fields: readonly FormField[],
  values: Record<string, unknown> = {},
): FormValues {
  const out: FormValues = {};
  for (const field of fields) {
    const given = field.name in values ? (values[field.name] as JsonValue) : field.defaultValue;
    out[field.name] = field.kind === "boolean" ? given === true : toText(given);
  }
  return out;
}

function checkNumber(field: FormField, text: string): { value?: number; error?: FieldError } {
  const pattern = field.kind === "integer" ? INTEGER : NUMBER;
  if (!pattern.test(text)) {
    return { error: { key: field.kind === "integer" ? "form.error.integer" : "form.error.number" } };
  }
  const value = Number(text);
  if (!Number.isFinite(value) || (field.kind === "integer" && !Number.isSafeInteger(value))) {
    return { error: { key: "form.error.number" } };
  }
  if (field.minimum !== undefined && value < field.minimum) {
    return { error: { key: "form.error.min", values: { limit: field.minimum } } };
  }
  if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) {
    return { error: { key: "form.error.above", values: { limit: field.exclusiveMinimum } } };
  }
  if (field.maximum !== undefined && value > field.maximum) {
    return { error: { key: "form.error.max", values: { limit: field.maximum } } };
  }
  if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) {
    return { error: { key: "form.error.below", values: { limit: field.exclusiveMaximum } } };
  }
  return { value };
}

function checkString(field: FormField, text: string): FieldError | undefined {
  if (field.minLength !== undefined && text.length < field.minLength) {
    return { key: "form.error.minLength", values: { limit: field.minLength } };
  }
  if (field.maxLength !== undefined && text.length > field.maxLength) {
    return { key: "form.error.maxLength", values: { limit: field.maxLength } };
  }
  if (field.pattern !== undefined && !new RegExp(field.pattern, "u").test(text)) {
    return { key: "form.error.pattern" };
  }
  return undefined;
}

function checkField(field: FormField, raw: FormValue | undefined): { value?: JsonValue; error?: FieldError } {
  if (field.kind === "boolean") return { value: raw === true };
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "" && field.kind !== "string") {
    if (field.nullable) return { value: null };
    if (!field.required && field.defaultValue !== undefined) return {}; // the server's default
    return { error: { key: "form.error.required" } };
  }
  switch (field.kind) {
    case "integer":
    case "number":
      return checkNumber(field, text);
    case "decimal":
      return DECIMAL.test(text) ? { value: text } : { error: { key: "form.error.number" } };
    case "enum": {
      const option = field.options.find((candidate) => String(candidate) === text);
      return option === undefined ? { error: { key: "form.error.choice" } } : { value: option };
    }
    case "string": {
      if (text === "" && field.nullable) return { value: null };
      const error = checkString(field, text);
      return error === undefined ? { value: text } : { error };
    }
    default:
      try {
        return { value: JSON.parse(text) as JsonValue };
      } catch {
        return { error: { key: "form.error.json" } };
      }
  }
}

/** Check every field; `params` holds the JSON of the valid ones (send only without errors). */
export function validateForm(fields: readonly FormField[], values: FormValues): FormCheck {
  const params: Record<string, JsonValue> = {};
  const errors: Record<string, FieldError> = {};
  for (const field of fields) {
    const { value, error } = checkField(field, values[field.name]);
    if (error !== undefined) errors[field.name] = error;
    else if (value !== undefined) params[field.name] = value;
  }
  return { params, errors };
}

/** Only the entries of `params` that differ from `baseline` (a PATCH names what changes). */
export function changedEntries(
  params: Record<string, JsonValue>,
  baseline: Record<string, unknown>,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(params)) {
    if (JSON.stringify(value) !== JSON.stringify(baseline[name] ?? null)) out[name] = value;
  }
  return out;
}
