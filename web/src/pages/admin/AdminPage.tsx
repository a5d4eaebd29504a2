/**
 * Administration, for the admin role only: users and roles, the platform risk caps, the
 * kill switches and the audit log. Other roles get a sentence instead of the panels (the
 * link is hidden from them too, and the API refuses them anyway).
 */
import { useMe } from "../../data/account";
import { useT } from "../../i18n/I18nProvider";
import { Panel } from "../../shared/Panel";
import { useStepUp } from "../../shared/StepUpDialog";
import { AuditPanel } from "./AuditPanel";
import { KillSwitchPanel } from "./KillSwitchPanel";
import { RiskLimitsPanel } from "./RiskLimitsPanel";
import { UsersPanel } from "./UsersPanel";

export function AdminPage() {
  const t = useT();
  const me = useMe();
  const stepUp = useStepUp();
  if (me.data?.role !== "admin") {
    return (
      <Panel title={t("admin.title")} query={me}>
        <p>{t("admin.only")}</p>
      </Panel>
    );
  }
  return (
    <>
      <h1>{t("admin.title")}</h1>
      <UsersPanel meId={me.data.id} />
      <KillSwitchPanel stepUp={stepUp} />
      <RiskLimitsPanel stepUp={stepUp} />
      <AuditPanel />
      {stepUp.dialog}
    </>
  );
}
