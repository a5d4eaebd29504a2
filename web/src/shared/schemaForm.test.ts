import { describe, expect, it } from "vitest";
import {
  changedEntries,
  fieldsFromSchema,
  fieldsFromValues,
  initialValues,
  validateForm,
} from "./schemaForm";

// The shape pydantic writes for a strategy config (GET /strategies parameters_schema).
const SCHEMA = {
  additionalProperties: false,
  title: "DemoConfig",
  type: "object",
  properties: {
    fast: {
      default: 10,
      description: "Fast SMA period.",
      maximum: 100,
      minimum: 1,
      title: "Fast",
      type: "integer",
    },
    ratio: { default: 0.5, exclusiveMinimum: 0, exclusiveMaximum: 1, title: "Ratio", type: "number" },
    trailing: { default: false, title: "Trailing", type: "boolean" },
    spacing: { default: "arithmetic", enum: ["arithmetic", "geometric"], title: "Spacing", type: "string" },
    label: { default: "", maxLength: 4, title: "Label", type: "string" },
    cap: { anyOf: [{ type: "number", minimum: 0 }, { type: "null" }], default: null, title: "Cap" },
    mode: { $ref: "#/$defs/Mode", default: "a" },
    levels: { type: "array", items: { type: "number" }, default: [1, 2] },
  },
  required: ["fast"],
  $defs: { Mode: { enum: ["a", "b"], title: "Mode", type: "string" } },
};

describe("fieldsFromSchema", () => {
  it("test_fields_from_schema_maps_each_type_in_property_order", () => {
    const fields = fieldsFromSchema(SCHEMA);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["fast", "integer"],
      ["ratio", "number"],
      ["trailing", "boolean"],
      ["spacing", "enum"],
      ["label", "string"],
      ["cap", "number"],
      ["mode", "enum"],
      ["levels", "json"],
    ]);
    const fast = fields[0];
    expect(fast).toMatchObject({ label: "Fast", description: "Fast SMA period.", minimum: 1, maximum: 100 });
    expect(fast?.required).toBe(true);
    expect(fields[1]).toMatchObject({ exclusiveMinimum: 0, exclusiveMaximum: 1, required: false });
    expect(fields[3]?.options).toEqual(["arithmetic", "geometric"]);
    expect(fields[5]).toMatchObject({ nullable: true, minimum: 0 });
    expect(fields[6]).toMatchObject({ options: ["a", "b"], label: "Mode" });
    expect(fields[7]?.label).toBe("Levels");
  });

  it("test_fields_from_schema_without_properties_is_empty", () => {
    expect(fieldsFromSchema({ type: "object" })).toEqual([]);
  });
});

describe("validateForm", () => {
  const fields = fieldsFromSchema(SCHEMA);

  it("test_validate_form_defaults_give_params_without_errors", () => {
    const check = validateForm(fields, initialValues(fields));
    expect(check.errors).toEqual({});
    expect(check.params).toEqual({
      fast: 10,
      ratio: 0.5,
      trailing: false,
      spacing: "arithmetic",
      label: "",
      cap: null,
      mode: "a",
      levels: [1, 2],
    });
  });

  it("test_validate_form_values_given_override_defaults", () => {
    const values = initialValues(fields, { fast: 12, trailing: true, cap: 250 });
    expect(values["fast"]).toBe("12");
    expect(values["trailing"]).toBe(true);
    expect(values["cap"]).toBe("250");
  });

  it("test_validate_form_bounds_and_types_each_named", () => {
    const values = {
      ...initialValues(fields),
      fast: "0",
      ratio: "1",
      spacing: "diagonal",
      label: "toolong",
      levels: "[1,",
    };
    expect(validateForm(fields, values).errors).toEqual({
      fast: { key: "form.error.min", values: { limit: 1 } },
      ratio: { key: "form.error.below", values: { limit: 1 } },
      spacing: { key: "form.error.choice" },
      label: { key: "form.error.maxLength", values: { limit: 4 } },
      levels: { key: "form.error.json" },
    });
  });

  it("test_validate_form_integer_refuses_fraction_and_text", () => {
    const base = initialValues(fields);
    expect(validateForm(fields, { ...base, fast: "2.5" }).errors["fast"]).toEqual({
      key: "form.error.integer",
    });
    expect(validateForm(fields, { ...base, fast: "abc" }).errors["fast"]).toEqual({
      key: "form.error.integer",
    });
    expect(validateForm(fields, { ...base, ratio: "0" }).errors["ratio"]).toEqual({
      key: "form.error.above",
      values: { limit: 0 },
    });
    expect(validateForm(fields, { ...base, fast: "101" }).errors["fast"]).toEqual({
      key: "form.error.max",
      values: { limit: 100 },
    });
  });

  it("test_validate_form_empty_required_is_an_error_empty_optional_uses_server_default", () => {
    const base = initialValues(fields);
    const check = validateForm(fields, { ...base, fast: " ", ratio: "" });
    expect(check.errors).toEqual({ fast: { key: "form.error.required" } });
    expect("ratio" in check.params).toBe(false);
  });
});

describe("fieldsFromValues", () => {
  it("test_fields_from_values_infers_kinds_and_keeps_decimals_exact", () => {
    const risk = {
      enabled: true,
      max_position_pct: "5",
      max_open_positions: 5,
      max_correlation: 0.7,
      max_order_notional: null,
    };
    const fields = fieldsFromValues(risk);
    expect(fields.map((f) => [f.name, f.kind, f.nullable])).toEqual([
      ["enabled", "boolean", false],
      ["max_position_pct", "decimal", false],
      ["max_open_positions", "integer", false],
      ["max_correlation", "number", false],
      ["max_order_notional", "decimal", true],
    ]);
    const values = { ...initialValues(fields, risk), max_position_pct: "4.50", max_order_notional: "" };
    expect(validateForm(fields, values).params).toEqual({
      enabled: true,
      max_position_pct: "4.50",
      max_open_positions: 5,
      max_correlation: 0.7,
      max_order_notional: null,
    });
    expect(validateForm(fields, { ...values, max_position_pct: "1e3" }).errors).toEqual({
      max_position_pct: { key: "form.error.number" },
    });
  });

  it("test_changed_entries_only_what_differs", () => {
    expect(changedEntries({ a: 1, b: "5", c: null }, { a: 1, b: "4", c: null })).toEqual({ b: "5" });
    expect(changedEntries({ a: 1 }, {})).toEqual({ a: 1 });
  });
});
