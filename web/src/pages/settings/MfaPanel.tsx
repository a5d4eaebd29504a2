/**
 * Two-factor authentication: enrol (POST /auth/mfa/enrol shows the secret and its
 * otpauth URI once, as text and as a QR code), confirm with a first code (POST
 * /auth/mfa/verify: MFA is on, ten recovery codes shown this once, and a fresh access
 * token), or turn it off (POST /auth/mfa/disable: needs a step-up, ends every session).
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { Schemas } from "../../api/client";
import { useServices } from "../../app/ServicesContext";
import { useMe } from "../../data/account";
import { queryKeys } from "../../data/queryKeys";
import { confirmMfaEnrolment, disableMfa, startMfaEnrolment } from "../../data/settings";
import { useT } from "../../i18n/I18nProvider";
import { ConfirmButton } from "../../shared/ConfirmButton";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import type { StepUp } from "../../shared/StepUpDialog";
import { useAction } from "../../shared/useAction";
import { normaliseMfaCode } from "../login/loginValidation";
import { groupSecret, summariseOtpauth } from "./otpauth";
import { QrCode } from "./QrCode";

const TOTP = /^\d{6}$/;

export function MfaPanel(props: { stepUp: StepUp }) {
  const t = useT();
  const { api, tokens } = useServices();
  const queryClient = useQueryClient();
  const me = useMe();
  const [enrolment, setEnrolment] = useState<Schemas["MfaEnrolmentPublic"] | null>(null);
  const [code, setCode] = useState("");
  const [codeInvalid, setCodeInvalid] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<readonly string[] | null>(null);
  const action = useAction();

  const start = () =>
    void action.run(async () => {
      setEnrolment(await startMfaEnrolment(api));
      setCode("");
    });

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const normalised = normaliseMfaCode(code);
    setCodeInvalid(!TOTP.test(normalised));
    if (!TOTP.test(normalised)) return;
    await action.run(async () => {
      const activation = await confirmMfaEnrolment(api, normalised);
      tokens.setAccess(activation);
      setRecoveryCodes(activation.recovery_codes);
      setEnrolment(null);
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    });
  };

  const disable = () =>
    void action.run(async () => {
      await props.stepUp.run(() => disableMfa(api));
      // The server ended every session of the account: back to the login page.
      tokens.clear();
    });

  const summary = enrolment === null ? null : summariseOtpauth(enrolment.otpauth_uri);
  return (
    <Panel title={t("mfa.title")} query={me}>
      {recoveryCodes !== null && (
        <div role="region" aria-label={t("mfa.recoveryTitle")} data-testid="recovery-codes">
          <h3>{t("mfa.recoveryTitle")}</h3>
          <p>{t("mfa.recoveryHelp")}</p>
          <ol className="codes">
            {recoveryCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
          <button type="button" onClick={() => setRecoveryCodes(null)}>
            {t("mfa.recoverySaved")}
          </button>
        </div>
      )}
      {me.data?.mfa_enabled === true && recoveryCodes === null && (
        <div className="toolbar">
          <span className="ok-text">{t("mfa.on")}</span>
          <ConfirmButton label={t("mfa.disable")} question={t("mfa.disableQuestion")} onConfirm={disable} />
        </div>
      )}
      {me.data?.mfa_enabled === false && enrolment === null && (
        <div className="toolbar">
          <span>{t("mfa.off")}</span>
          <button className="primary" type="button" onClick={start} disabled={action.busy}>
            {t("mfa.enrol")}
          </button>
        </div>
      )}
      {enrolment !== null && summary !== null && (
        <form onSubmit={confirm} noValidate aria-label={t("mfa.enrol")}>
          <p>{t("mfa.scan", { account: summary.account, issuer: summary.issuer })}</p>
          <QrCode text={enrolment.otpauth_uri} label={t("mfa.qrLabel")} />
          <p>
            {t("mfa.secret")}{" "}
            <span className="secret-text" data-testid="mfa-secret">
              {groupSecret(enrolment.secret)}
            </span>
          </p>
          <p>
            {t("mfa.uri")} <span className="secret-text">{enrolment.otpauth_uri}</span>
          </p>
          <label className="field">
            {t("mfa.firstCode")}
            <input
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="one-time-code"
              inputMode="numeric"
              aria-invalid={codeInvalid}
            />
            {codeInvalid && <span className="field-error">{t("mfa.error.code")}</span>}
          </label>
          <div className="toolbar">
            <button className="primary" type="submit" disabled={action.busy}>
              {t("login.mfa.submit")}
            </button>
            <button type="button" onClick={() => setEnrolment(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </Panel>
  );
}
