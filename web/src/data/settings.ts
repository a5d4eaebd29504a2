/**
 * The signed-in user's settings: exchange keys (masked), MFA enrolment and alert channels.
 * One hook per read endpoint; writes are plain functions over the API client that the
 * pages wrap in the MFA step-up (shared/stepUp.ts) where the API asks for one, then
 * invalidate the list they changed.
 */
import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/apiError";
import type { ApiClient, Schemas } from "../api/client";
import { useServices } from "../app/ServicesContext";
import { queryKeys } from "./queryKeys";

export function useExchangeKeys() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.exchangeKeys,
    queryFn: () => unwrap(api.GET("/api/v1/exchange-keys", { params: { query: { limit: 500 } } })),
  });
}

export function useAlertChannels() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.alertChannels,
    queryFn: () => unwrap(api.GET("/api/v1/alert-channels", { params: { query: { limit: 500 } } })),
  });
}

export function addExchangeKey(api: ApiClient, body: Schemas["ExchangeKeyCreate"]) {
  return unwrap(api.POST("/api/v1/exchange-keys", { body }));
}

export function deleteExchangeKey(api: ApiClient, keyId: string) {
  return unwrap(api.DELETE("/api/v1/exchange-keys/{key_id}", { params: { path: { key_id: keyId } } }));
}

export type AlertChannelCreate =
  | Schemas["TelegramChannelCreate"]
  | Schemas["DiscordChannelCreate"]
  | Schemas["EmailChannelCreate"]
  | Schemas["WebhookChannelCreate"];

export function createAlertChannel(api: ApiClient, body: AlertChannelCreate) {
  return unwrap(api.POST("/api/v1/alert-channels", { body }));
}

export function testAlertChannel(api: ApiClient, channelId: string) {
  return unwrap(
    api.POST("/api/v1/alert-channels/{channel_id}/test", { params: { path: { channel_id: channelId } } }),
  );
}

export function deleteAlertChannel(api: ApiClient, channelId: string) {
  return unwrap(
    api.DELETE("/api/v1/alert-channels/{channel_id}", { params: { path: { channel_id: channelId } } }),
  );
}

export function startMfaEnrolment(api: ApiClient) {
  return unwrap(api.POST("/api/v1/auth/mfa/enrol"));
}

export function confirmMfaEnrolment(api: ApiClient, code: string) {
  return unwrap(api.POST("/api/v1/auth/mfa/verify", { body: { code } }));
}

export function disableMfa(api: ApiClient) {
  return unwrap(api.POST("/api/v1/auth/mfa/disable"));
}

export function stepUpMfa(api: ApiClient, code: string) {
  return unwrap(api.POST("/api/v1/auth/mfa/step-up", { body: { code } }));
}
