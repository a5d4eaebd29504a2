/** A labelled text input and its validation message (a message key), linked for screen
 *  readers (`aria-invalid`, `aria-describedby`). Other input attributes pass through. */
import { useId, type InputHTMLAttributes } from "react";
import type { MessageKey } from "../i18n/en";
import { useT } from "../i18n/I18nProvider";

type PassedInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

export function TextField(
  props: {
    label: string;
    value: string;
    onChange: (value: string) => void;
    error?: MessageKey | undefined;
  } & PassedInputProps,
) {
  const { label, value, onChange, error, ...input } = props;
  const t = useT();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        {...input}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : undefined}
      />
      {error !== undefined && (
        <span id={`${id}-error`} className="field-error">
          {t(error)}
        </span>
      )}
    </div>
  );
}
