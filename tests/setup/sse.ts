/** One server-sent event as a browser's EventSource would see it. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Reads a text/event-stream body the way EventSource does (fields, blank line ends an event,
 * comments ignored), collecting the events so a test can wait for them.
 */
export class SseReader {
  readonly messages: SseMessage[] = [];
  comments = 0;
  ended = false;
  private waiters: (() => void)[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    void this.pump(body);
  }

  private async pump(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.parse(block);
        }
        this.wake();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake();
  }

  private parse(block: string) {
    let id: string | null = null;
    let event = "message";
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments += 1;
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      fields += 1;
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (fields && data.length) this.messages.push({ id, event, data: data.join("\n") });
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The events of the default type, parsed. */
  events<T = { id: string; kind: string; payload: Record<string, unknown> }>() {
    return this.messages.filter((m) => m.event === "message").map((m) => JSON.parse(m.data) as T);
  }

  /** Resolves once `predicate` holds (checked after each chunk), or rejects after `timeoutMs`. */
  async until(predicate: (reader: SseReader) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) {
        if (predicate(this)) return;
        throw new Error(`SSE condition not met within ${timeoutMs} ms (ended: ${this.ended}, ${this.messages.length} messages)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
