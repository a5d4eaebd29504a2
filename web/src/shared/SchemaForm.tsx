/**
 * The inputs of a form built from a JSON Schema (schemaForm.ts): one labelled input per
 * field (a checkbox, a select for an enum, a text box otherwise, numbers typed as text so
 * nothing is rounded by the browser), the field's description under it and its error in
 * red, tied to the input with aria-describedby. The values and errors are the caller's.
 */
import { useId } from "react";
import { useT } from "../i18n/I18nProvider";
import type { FieldError, FormField, FormValues } from "./schemaForm";

export function SchemaForm(props: {
  fields: readonly FormField[];
  values: FormValues;
  errors: Readonly<Record<string, FieldError>>;
  onChange: (values: FormValues) => void;
  disabled?: boolean;
}) {
  const t = useT();
  const prefix = useId();
  if (props.fields.length === 0) return <p className="muted">{t("form.noParameters")}</p>;
  const set = (name: string, value: string | boolean) => props.onChange({ ...props.values, [name]: value });
  return (
    <div className="schema-form">
      {props.fields.map((field) => {
        const id = `${prefix}-${field.name}`;
        const error = props.errors[field.name];
        const value = props.values[field.name];
        const described = [field.description !== "" ? `${id}-help` : "", error ? `${id}-error` : ""]
          .filter((part) => part !== "")
          .join(" ");
        const common = {
          id,
          name: field.name,
          disabled: props.disabled === true,
          "aria-invalid": error !== undefined,
          ...(described !== "" ? { "aria-describedby": described } : {}),
        };
        return (
          <div className="field" key={field.name}>
            {field.kind === "boolean" ? (
              <label htmlFor={id}>
                <input
                  {...common}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => set(field.name, e.target.checked)}
                />{" "}
                {field.label}
              </label>
            ) : (
              <>
                <label htmlFor={id}>{field.label}</label>
                {field.kind === "enum" ? (
                  <select
                    {...common}
                    value={String(value ?? "")}
                    onChange={(e) => set(field.name, e.target.value)}
                  >
                    {field.options.map((option) => (
                      <option key={String(option)} value={String(option)}>
                        {String(option)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type="text"
                    inputMode={
                      field.kind === "integer"
                        ? "numeric"
                        : field.kind === "string" || field.kind === "json"
                          ? "text"
                          : "decimal"
                    }
                    value={typeof value === "string" ? value : ""}
                    onChange={(e) => set(field.name, e.target.value)}
                  />
                )}
              </>
            )}
            {field.description !== "" && (
              <span id={`${id}-help`} className="muted">
                {field.description}
              </span>
            )}
            {error !== undefined && (
              <span id={`${id}-error`} className="field-error">
                {t(error.key, error.values)}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
