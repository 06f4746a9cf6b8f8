import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ApiError, api, setUnauthorizedHandler } from "./api/client";
import type { User } from "./api/types";

export const meKey = ["me"] as const;

/** The logged-in user, or null when the session is missing or expired. */
export function useMe(): { user: User | null; isLoading: boolean; error: unknown } {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: meKey,
    queryFn: async () => {
      try {
        return await api.me();
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
  });
  useEffect(() => {
    setUnauthorizedHandler(() => qc.setQueryData(meKey, null));
    return () => setUnauthorizedHandler(null);
  }, [qc]);
  return { user: q.data ?? null, isLoading: q.isLoading, error: q.error };
}
