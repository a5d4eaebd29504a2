/** A titled panel that shows its query's loading state and error, then its content. */
import type { ReactNode } from "react";
import { useT } from "../i18n/I18nProvider";
import { ErrorNotice } from "./ErrorNotice";

interface QueryState {
  isPending: boolean;
  error: unknown;
  refetch: () => unknown;
}

export function Panel(props: { title: string; query?: QueryState; children: ReactNode }) {
  const t = useT();
  const { query } = props;
  return (
    <section className="panel">
      <h2>{props.title}</h2>
      {query?.isPending === true && <p className="muted">{t("common.loading")}</p>}
      {query?.error != null && (
        <>
          <ErrorNotice error={query.error} />
          <button type="button" onClick={() => void query.refetch()}>
            {t("common.retry")}
          </button>
        </>
      )}
      {query?.isPending !== true && props.children}
    </section>
  );
}
