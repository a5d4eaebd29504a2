/** The signed-in user (GET /api/v1/auth/me). */
import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/apiError";
import { useServices } from "../app/ServicesContext";
import { queryKeys } from "./queryKeys";

export function useMe() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: () => unwrap(api.GET("/api/v1/auth/me")),
    staleTime: 5 * 60_000,
  });
}
