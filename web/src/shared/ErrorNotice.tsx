/** An error as the API worded it: its sentence, then its hint (and the request id to quote). */
import { ApiError } from "../api/apiError";
import { useT } from "../i18n/I18nProvider";

export function ErrorNotice(props: { error: unknown }) {
  const t = useT();
  const { error } = props;
  if (error === null || error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof ApiError ? error.hint : "";
  const requestId = error instanceof ApiError ? error.requestId : "";
  return (
    <div className="error" role="alert">
      <div>{message}</div>
      {hint !== "" && (
        <div>
          {t("common.hint")} {hint}
        </div>
      )}
      {requestId !== "" && <div className="muted">request {requestId}</div>}
    </div>
  );
}
