/**
 * Settings of the signed-in user: exchange keys, two-factor authentication, alert
 * channels. Sensitive actions go through the MFA step-up dialog (shared/StepUpDialog).
 */
import { useT } from "../../i18n/I18nProvider";
import { useStepUp } from "../../shared/StepUpDialog";
import { AlertChannelsPanel } from "./AlertChannelsPanel";
import { ExchangeKeysPanel } from "./ExchangeKeysPanel";
import { MfaPanel } from "./MfaPanel";

export function SettingsPage() {
  const t = useT();
  const stepUp = useStepUp();
  return (
    <>
      <h1>{t("settings.title")}</h1>
      <ExchangeKeysPanel stepUp={stepUp} />
      <MfaPanel stepUp={stepUp} />
      <AlertChannelsPanel />
      {stepUp.dialog}
    </>
  );
}
