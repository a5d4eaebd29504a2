/**
 * A destructive action behind an inline confirmation: the first click asks the question
 * next to the button, "Confirm" runs it, "Cancel" puts the button back.
 */
import { useState } from "react";
import { useT } from "../i18n/I18nProvider";
import "./dialog.css";

export function ConfirmButton(props: {
  label: string;
  /** The accessible name of the first button when `label` alone is ambiguous in a list. */
  ariaLabel?: string;
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const t = useT();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className="danger"
        onClick={() => setAsking(true)}
        aria-label={props.ariaLabel ?? props.label}
        disabled={props.disabled === true}
      >
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        className="danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {t("common.confirm")}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {t("common.cancel")}
      </button>
    </span>
  );
}
