/**
 * React hooks over the StreamClient of AppServices: its status (for the banner), channel
 * subscriptions tied to a component's lifetime (counted, so two components may share a
 * channel), and the resync signal after a reconnect.
 */
import { useEffect, useRef, useSyncExternalStore } from "react";
import { useServices } from "../app/ServicesContext";
import type { StreamClient, StreamEvent, StreamStatus } from "./streamClient";

const holders = new WeakMap<StreamClient, Map<string, number>>();

function hold(stream: StreamClient, channels: readonly string[]): () => void {
  let counts = holders.get(stream);
  if (counts === undefined) {
    counts = new Map();
    holders.set(stream, counts);
  }
  const table = counts;
  for (const channel of channels) table.set(channel, (table.get(channel) ?? 0) + 1);
  stream.subscribe(channels);
  return () => {
    const released: string[] = [];
    for (const channel of channels) {
      const left = (table.get(channel) ?? 1) - 1;
      if (left <= 0) {
        table.delete(channel);
        released.push(channel);
      } else {
        table.set(channel, left);
      }
    }
    if (released.length > 0) stream.unsubscribe(released);
  };
}

export function useStreamStatus(): StreamStatus {
  const { stream } = useServices();
  return useSyncExternalStore(
    (notify) => stream.onStatus(notify),
    () => stream.status,
  );
}

/** Subscribe to `channels` while mounted; `onEvent` sees events of these channels only. */
export function useStreamChannels(channels: readonly string[], onEvent: (event: StreamEvent) => void): void {
  const { stream } = useServices();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = [...channels].sort().join("\n");
  useEffect(() => {
    const wanted = key === "" ? [] : key.split("\n");
    if (wanted.length === 0) return undefined;
    const release = hold(stream, wanted);
    const set = new Set(wanted);
    const stop = stream.onEvent((event) => {
      if (set.has(event.channel)) handler.current(event);
    });
    return () => {
      stop();
      release();
    };
  }, [stream, key]);
}

/** Run `callback` after each reconnect (the stream never replays: re-read over REST). */
export function useStreamResync(callback: () => void): void {
  const { stream } = useServices();
  const handler = useRef(callback);
  handler.current = callback;
  useEffect(() => stream.onResync(() => handler.current()), [stream]);
}
