/**
 * Administration (the admin role; the API refuses everyone else with 403): users and
 * roles, the platform risk caps, kill switches and the audit log with its chain check.
 * One hook per read endpoint; writes are plain functions that the admin page wraps in
 * the MFA step-up where the API asks for one.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/apiError";
import type { ApiClient, Schemas } from "../api/client";
import { useServices } from "../app/ServicesContext";
import { queryKeys } from "./queryKeys";

export function useUsers(enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.users,
    enabled,
    queryFn: () =>
      unwrap(api.GET("/api/v1/users", { params: { query: { limit: 500, sort: "email", order: "asc" } } })),
  });
}

export function useRiskLimits(enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.riskLimits,
    enabled,
    queryFn: () => unwrap(api.GET("/api/v1/platform/risk-limits")),
  });
}

/** The engaged switches every scope (admins see all of them). */
export function useEngagedKillSwitches(enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.killSwitches,
    enabled,
    queryFn: () =>
      unwrap(api.GET("/api/v1/kill-switch", { params: { query: { engaged: true, limit: 500 } } })),
  });
}

export function useAuditEntries(enabled: boolean, offset: number, limit: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.auditEntries(offset, limit),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET("/api/v1/audit/entries", { params: { query: { offset, limit } } })),
  });
}

/** Verifies the whole chain (reads every entry): run on demand, not on every render. */
export function useAuditVerification(enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.auditVerify,
    enabled,
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET("/api/v1/audit/verify")),
  });
}

export function updateUser(api: ApiClient, userId: string, body: Schemas["UserUpdate"]) {
  return unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: userId } }, body }));
}

export function saveRiskLimits(api: ApiClient, body: Schemas["PlatformRiskLimitsUpdate"]) {
  return unwrap(api.PUT("/api/v1/platform/risk-limits", { body }));
}

export function engageGlobalKillSwitch(api: ApiClient, reason: string, flatten: boolean) {
  return unwrap(api.POST("/api/v1/kill-switch", { body: { scope: "global", reason, flatten } }));
}

export function rearmKillSwitch(api: ApiClient, switchId: string, reason: string) {
  return unwrap(
    api.POST("/api/v1/kill-switch/{switch_id}/rearm", {
      params: { path: { switch_id: switchId } },
      body: { reason },
    }),
  );
}
