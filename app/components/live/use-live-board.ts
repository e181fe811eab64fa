import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { applyLiveEvent, parseLiveEvent, type BoardState, type LiveEvent } from "~/modules/live/board";

export type Connection = "snapshot" | "connecting" | "live" | "reconnecting";

/** Events kept to re-apply over a newer snapshot that was read before they were committed. */
const KEEP = 200;

/**
 * The board from the page's snapshot, kept current by /live/events. EventSource reconnects by
 * itself after a dropped connection (sending Last-Event-ID); after a refusal (signed out, server
 * restarting) it gives up, so this opens a new one with backoff, from the last event applied.
 */
export function useLiveBoard(snapshot: BoardState, onEvent?: (event: LiveEvent) => void) {
  const [state, setState] = useState(snapshot);
  const [connection, setConnection] = useState<Connection>("snapshot");
  const revalidator = useRevalidator();
  const recent = useRef<LiveEvent[]>([]);
  const lastId = useRef(snapshot.cursor);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;

  // A fresh snapshot (after an action, a reset, a revalidation) replaces the state; events it may
  // not include yet are applied over it again (applying one twice is harmless).
  useEffect(() => {
    setState(recent.current.reduce(applyLiveEvent, snapshot));
    if (BigInt(snapshot.cursor) > BigInt(lastId.current)) lastId.current = snapshot.cursor;
  }, [snapshot]);

  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = 2000;
    const open = () => {
      setConnection((c) => (c === "snapshot" ? "connecting" : "reconnecting"));
      source = new EventSource(`/live/events?after=${encodeURIComponent(lastId.current)}`);
      source.onopen = () => {
        delay = 2000;
        setConnection("live");
      };
      source.onmessage = (message) => {
        const event = parseLiveEvent(message.data as string);
        if (!event) return;
        if (BigInt(event.id) > BigInt(lastId.current)) lastId.current = event.id;
        recent.current = [...recent.current.slice(-(KEEP - 1)), event];
        setState((s) => applyLiveEvent(s, event));
        onEventRef.current?.(event);
      };
      // Too far behind to replay: reload the snapshot and carry on from the server's position.
      source.addEventListener("reset", () => {
        recent.current = [];
        revalidate.current();
      });
      source.onerror = () => {
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          setConnection("reconnecting");
          timer = setTimeout(open, delay);
          delay = Math.min(delay * 2, 60_000);
        } else {
          setConnection("reconnecting");
        }
      };
    };
    open();
    return () => {
      clearTimeout(timer);
      source?.close();
    };
  }, []);

  return { state, connection };
}

/** The time, moved on every minute in the browser; it starts at `initial` (the server's render time) so hydration matches. */
export function useMinuteClock(initial: string) {
  const [now, setNow] = useState(() => new Date(initial).getTime());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
