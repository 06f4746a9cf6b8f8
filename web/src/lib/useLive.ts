import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { applyMessage, connection, resync } from "./live";
import { defaultWsUrl, WsClient } from "./ws";

const TOPICS = ["tick", "signal", "fill", "position", "trade", "risk", "status"];

/** Runs the one WebSocket connection while a user is logged in. */
export function useLiveConnection(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const client = new WsClient({
      url: defaultWsUrl(),
      topics: TOPICS,
      symbols: [],
      onMessage: (msg) => applyMessage(qc, msg),
      onResync: (reason) => resync(qc, reason),
      onState: (s) => connection.set(s),
    });
    client.start();
    return () => client.stop();
  }, [enabled, qc]);
}

export function useConnectionState() {
  return useSyncExternalStore(connection.subscribe, connection.get);
}
