/** Says on screen when live updates are lost and when the next reconnect happens. */
import { useT } from "../i18n/I18nProvider";
import { useStreamStatus } from "./useStream";

export function ConnectionBanner() {
  const status = useStreamStatus();
  const t = useT();
  if (status.kind === "reconnecting") {
    return (
      <div className="banner" role="status" aria-live="polite">
        {t("stream.reconnecting", {
          seconds: Math.max(1, Math.round(status.retryInMs / 1000)),
          attempt: status.attempt,
        })}
      </div>
    );
  }
  if (status.kind === "stopped") {
    return (
      <div className="banner" role="status" aria-live="polite">
        {t("stream.stopped")}
      </div>
    );
  }
  return null;
}
