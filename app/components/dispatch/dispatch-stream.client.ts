// The observer's side of /live/events: only the dispatch events matter to the banner. Fetched
// lazily, and only by observers who are checked in (or have an open alert), so other pages and
// people never load it or hold a connection.

export interface DispatchStreamEvent {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
}

/**
 * Listens from `after` (the page's position in the event log), reconnecting with backoff when the
 * server refuses or restarts. `onReset`: too far behind to replay, reload the page's data.
 * Returns a function that stops listening.
 */
export function listenForDispatches(after: string, onEvent: (event: DispatchStreamEvent) => void, onReset: () => void): () => void {
  let last = after;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = 2000;
  let stopped = false;
  const open = () => {
    source = new EventSource(`/live/events?after=${encodeURIComponent(last)}`);
    source.onopen = () => {
      delay = 2000;
    };
    source.onmessage = (message) => {
      let event: Partial<DispatchStreamEvent>;
      try {
        event = JSON.parse(message.data as string) as Partial<DispatchStreamEvent>;
      } catch {
        return;
      }
      if (typeof event.id !== "string" || !/^\d{1,19}$/.test(event.id)) return;
      if (BigInt(event.id) > BigInt(last)) last = event.id;
      if (typeof event.kind === "string" && event.kind.startsWith("dispatch_") && event.payload && typeof event.payload === "object") {
        onEvent({ id: event.id, kind: event.kind, payload: event.payload });
      }
    };
    source.addEventListener("reset", onReset);
    source.onerror = () => {
      // EventSource retries a dropped stream by itself; after a refusal it gives up, so start again.
      if (source?.readyState === EventSource.CLOSED && !stopped) {
        source.close();
        timer = setTimeout(open, delay);
        delay = Math.min(delay * 2, 60_000);
      }
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
