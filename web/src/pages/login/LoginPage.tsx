/**
 * Login with MFA: the password step (POST /auth/login), then, when the account has MFA,
 * the code step (POST /auth/login/mfa) with the `mfa_token` of the first answer. Both
 * forms validate before sending; a refusal shows the API's sentence and hint.
 */
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { unwrap } from "../../api/apiError";
import { useServices } from "../../app/ServicesContext";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { type FieldErrors, normaliseMfaCode, validateLogin, validateMfaCode } from "./loginValidation";

export function LoginPage(props: { redirectTo: string }) {
  const { api, tokens } = useServices();
  const navigate = useNavigate();
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<"email" | "password" | "code">>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const finish = async () => {
    await navigate({ to: props.redirectTo.startsWith("/") ? props.redirectTo : "/" });
  };

  const submitPassword = async (event: FormEvent) => {
    event.preventDefault();
    const errors = validateLogin(email, password);
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await unwrap(
        api.POST("/api/v1/auth/login", { body: { email: email.trim(), password } }),
      );
      if (answer.tokens) {
        tokens.setPair(answer.tokens);
        await finish();
      } else if (answer.mfa_required && answer.mfa_token) {
        setPassword("");
        setMfaToken(answer.mfa_token);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (event: FormEvent) => {
    event.preventDefault();
    const errors = validateMfaCode(code);
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0 || mfaToken === null) return;
    setBusy(true);
    setError(null);
    try {
      const pair = await unwrap(
        api.POST("/api/v1/auth/login/mfa", { body: { mfa_token: mfaToken, code: normaliseMfaCode(code) } }),
      );
      tokens.setPair(pair);
      await finish();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (mfaToken !== null) {
    return (
      <form className="panel login" onSubmit={submitCode} noValidate>
        <h2>{t("login.mfa.title")}</h2>
        <p className="muted">{t("login.mfa.help")}</p>
        <label className="field">
          {t("login.mfa.code")}
          <input
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="one-time-code"
            inputMode="text"
            autoFocus
            aria-invalid={fieldErrors.code !== undefined}
          />
          {fieldErrors.code && <span className="field-error">{t(fieldErrors.code)}</span>}
        </label>
        <ErrorNotice error={error} />
        <div className="toolbar">
          <button className="primary" type="submit" disabled={busy}>
            {t("login.mfa.submit")}
          </button>
          <button
            type="button"
            onClick={() => {
              setMfaToken(null);
              setCode("");
              setError(null);
            }}
          >
            {t("login.mfa.back")}
          </button>
        </div>
      </form>
    );
  }

  return (
    <form className="panel login" onSubmit={submitPassword} noValidate>
      <h2>{t("login.title")}</h2>
      <label className="field">
        {t("login.email")}
        <input
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          autoComplete="username"
          autoFocus
          aria-invalid={fieldErrors.email !== undefined}
        />
        {fieldErrors.email && <span className="field-error">{t(fieldErrors.email)}</span>}
      </label>
      <label className="field">
        {t("login.password")}
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          aria-invalid={fieldErrors.password !== undefined}
        />
        {fieldErrors.password && <span className="field-error">{t(fieldErrors.password)}</span>}
      </label>
      <ErrorNotice error={error} />
      <button className="primary" type="submit" disabled={busy}>
        {t("login.submit")}
      </button>
    </form>
  );
}
