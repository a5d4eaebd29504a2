/**
 * How the audit log page reads its API answers: page numbers from offset/limit, the
 * total as the API qualifies it ("total+" when counting stopped early), and the chain
 * verification as one status line.
 */
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/en";

export const AUDIT_PAGE_SIZE = 25;

export interface AuditPage {
  /** 1-based page shown. */
  page: number;
  /** Pages known to exist (a lower bound when the total is not exact). */
  pages: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

export function auditPage(offset: number, limit: number, total: number, totalExact: boolean): AuditPage {
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  return {
    page,
    pages,
    hasPrevious: offset > 0,
    hasNext: offset + limit < total || (!totalExact && page >= pages),
  };
}

export function totalLabel(total: number, totalExact: boolean): string {
  return totalExact ? total.toLocaleString("en") : `${total.toLocaleString("en")}+`;
}

export interface ChainStatus {
  ok: boolean;
  key: MessageKey;
  values: Record<string, string | number>;
}

export function chainStatus(verification: Schemas["AuditVerificationPublic"]): ChainStatus {
  if (verification.ok) {
    return verification.head_seq === null
      ? { ok: true, key: "audit.chain.empty", values: {} }
      : {
          ok: true,
          key: "audit.chain.ok",
          values: { checked: verification.checked, head: verification.head_seq },
        };
  }
  return {
    ok: false,
    key: "audit.chain.broken",
    values: { seq: verification.first_broken_seq ?? "?", reason: verification.reason },
  };
}
