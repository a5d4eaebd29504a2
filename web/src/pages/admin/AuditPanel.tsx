/**
 * The audit log (GET /audit/entries, newest first, a page at a time) and its hash chain
 * status (GET /audit/verify reads every entry, so it runs once per visit and on demand).
 */
import { useState } from "react";
import { useAuditEntries, useAuditVerification } from "../../data/admin";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { AUDIT_PAGE_SIZE, auditPage, chainStatus, totalLabel } from "./auditView";

export function AuditPanel() {
  const t = useT();
  const [offset, setOffset] = useState(0);
  const entries = useAuditEntries(true, offset, AUDIT_PAGE_SIZE);
  const verification = useAuditVerification(true);
  const data = entries.data;
  const page = data === undefined ? null : auditPage(offset, AUDIT_PAGE_SIZE, data.total, data.total_exact);
  const status = verification.data === undefined ? null : chainStatus(verification.data);

  return (
    <Panel title={t("audit.title")} query={entries}>
      <div className="toolbar" role="status" data-testid="audit-chain">
        {verification.isFetching && <span className="muted">{t("audit.chain.checking")}</span>}
        {!verification.isFetching && status !== null && (
          <span className={status.ok ? "ok-text" : "down"}>{t(status.key, status.values)}</span>
        )}
        <button
          type="button"
          onClick={() => void Promise.all([entries.refetch(), verification.refetch()])}
          disabled={verification.isFetching}
        >
          {t("audit.chain.verify")}
        </button>
      </div>
      <ErrorNotice error={verification.error} />
      {data !== undefined && data.items.length === 0 && <p className="muted">{t("common.none")}</p>}
      {data !== undefined && data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">{t("col.time")}</th>
              <th scope="col">{t("audit.action")}</th>
              <th scope="col">{t("audit.actor")}</th>
              <th scope="col">{t("audit.target")}</th>
              <th scope="col">{t("audit.details")}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((entry) => (
              <tr key={entry.seq}>
                <td className="num">{entry.seq}</td>
                <td>{entry.at.replace("T", " ").slice(0, 19)}</td>
                <td>{entry.action}</td>
                <td className="secret-text">{entry.actor_id ?? t("audit.system")}</td>
                <td className="secret-text">
                  {entry.target_type}
                  {entry.target_id !== null && ` ${entry.target_id}`}
                </td>
                <td className="secret-text">
                  {Object.entries(entry.details)
                    .map(([key, value]) => `${key}=${String(value)}`)
                    .join(" ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page !== null && data !== undefined && (
        <nav className="toolbar" aria-label={t("audit.pages")}>
          <button
            type="button"
            disabled={!page.hasPrevious}
            onClick={() => setOffset(Math.max(0, offset - AUDIT_PAGE_SIZE))}
          >
            {t("audit.previous")}
          </button>
          <span>
            {t("audit.page", {
              page: page.page,
              pages: page.pages,
              total: totalLabel(data.total, data.total_exact),
            })}
          </span>
          <button type="button" disabled={!page.hasNext} onClick={() => setOffset(offset + AUDIT_PAGE_SIZE)}>
            {t("audit.next")}
          </button>
        </nav>
      )}
    </Panel>
  );
}
