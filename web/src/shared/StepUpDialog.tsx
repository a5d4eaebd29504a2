/**
 * The MFA step-up dialog and `useStepUp()`: a page runs a sensitive action through
 * `stepUp.run(action)`; when the API answers 403 `mfa_required`, the dialog asks for a
 * code, exchanges it (POST /auth/mfa/step-up) for an access token that sensitive actions
 * accept for five minutes, and the action runs once more (shared/stepUp.ts).
 */
import { type FormEvent, type ReactNode, useCallback, useId, useState } from "react";
import { useServices } from "../app/ServicesContext";
import { stepUpMfa } from "../data/settings";
import { useT } from "../i18n/I18nProvider";
import { normaliseMfaCode, validateMfaCode } from "../pages/login/loginValidation";
import { ErrorNotice } from "./ErrorNotice";
import { runWithStepUp } from "./stepUp";
import "./dialog.css";

export function StepUpDialog(props: { onDone: (steppedUp: boolean) => void }) {
  const { api, tokens } = useServices();
  const t = useT();
  const titleId = useId();
  const [code, setCode] = useState("");
  const [invalid, setInvalid] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const bad = Object.keys(validateMfaCode(code)).length > 0;
    setInvalid(bad);
    if (bad) return;
    setBusy(true);
    setError(null);
    try {
      tokens.setAccess(await stepUpMfa(api, normaliseMfaCode(code)));
      props.onDone(true);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop">
      <form
        className="panel modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === "Escape") props.onDone(false);
        }}
        noValidate
        data-testid="step-up-dialog"
      >
        <h2 id={titleId}>{t("stepUp.title")}</h2>
        <p className="muted">{t("stepUp.help")}</p>
        <label className="field">
          {t("login.mfa.code")}
          <input
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="one-time-code"
            autoFocus
            aria-invalid={invalid}
          />
          {invalid && <span className="field-error">{t("login.error.code")}</span>}
        </label>
        <ErrorNotice error={error} />
        <div className="toolbar">
          <button className="primary" type="submit" disabled={busy}>
            {t("login.mfa.submit")}
          </button>
          <button type="button" onClick={() => props.onDone(false)}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}

export interface StepUp {
  /** Run a sensitive action, asking for a step-up when the API wants one. */
  run: <T>(action: () => Promise<T>) => Promise<T>;
  /** The dialog while it is open (render it anywhere in the page). */
  dialog: ReactNode;
}

export function useStepUp(): StepUp {
  const [resolve, setResolve] = useState<((steppedUp: boolean) => void) | null>(null);
  const ask = useCallback(() => new Promise<boolean>((done) => setResolve(() => done)), []);
  const run = useCallback(<T,>(action: () => Promise<T>) => runWithStepUp(action, ask), [ask]);
  const dialog =
    resolve === null ? null : (
      <StepUpDialog
        onDone={(steppedUp) => {
          setResolve(null);
          resolve(steppedUp);
        }}
      />
    );
  return { run, dialog };
}
