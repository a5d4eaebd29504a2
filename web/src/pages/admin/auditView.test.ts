import { describe, expect, it } from "vitest";
import { auditPage, chainStatus, totalLabel } from "./auditView";

describe("audit view", () => {
  it("test_audit_page_first_middle_last", () => {
    expect(auditPage(0, 25, 60, true)).toEqual({ page: 1, pages: 3, hasPrevious: false, hasNext: true });
    expect(auditPage(25, 25, 60, true)).toEqual({ page: 2, pages: 3, hasPrevious: true, hasNext: true });
    expect(auditPage(50, 25, 60, true)).toEqual({ page: 3, pages: 3, hasPrevious: true, hasNext: false });
    expect(auditPage(0, 25, 0, true)).toEqual({ page: 1, pages: 1, hasPrevious: false, hasNext: false });
  });

  it("test_audit_page_inexact_total_always_offers_next_at_the_end", () => {
    expect(auditPage(9975, 25, 10000, false)).toEqual({
      page: 400,
      pages: 400,
      hasPrevious: true,
      hasNext: true,
    });
  });

  it("test_total_label_marks_lower_bound", () => {
    expect(totalLabel(1234, true)).toBe("1,234");
    expect(totalLabel(10000, false)).toBe("10,000+");
  });

  it("test_chain_status_ok_empty_and_broken", () => {
    const base = { checked: 0, first_broken_seq: null, reason: "", head_seq: null, head_hash: null };
    expect(chainStatus({ ...base, ok: true })).toEqual({ ok: true, key: "audit.chain.empty", values: {} });
    expect(chainStatus({ ...base, ok: true, checked: 42, head_seq: 42, head_hash: "ab" })).toEqual({
      ok: true,
      key: "audit.chain.ok",
      values: { checked: 42, head: 42 },
    });
    expect(
      chainStatus({ ...base, ok: false, checked: 7, first_broken_seq: 8, reason: "hash mismatch" }),
    ).toEqual({
      ok: false,
      key: "audit.chain.broken",
      values: { seq: 8, reason: "hash mismatch" },
    });
  });
});
