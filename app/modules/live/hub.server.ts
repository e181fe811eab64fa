import pg from "pg";
import { sql, withSystem, withUser, type Claims } from "~/db/client.server";
import { stillSignedIn } from "~/modules/auth/still-signed-in.server";
import type { LiveEvent, LiveKind } from "./board";

// The realtime hub of one app instance (docs/decisions/008-realtime-events.md).
//
// One dedicated connection LISTENs on `testigo_live`; a notification carries only an event id.
// On a notification (bursts coalesced) every subscriber's new events are read back from
// public.live_events as that person, through RLS, so the database decides who gets what. Event ids
// follow commit order (see the live migration), so "everything after my last id" never skips one,
// and a client that reconnects with Last-Event-ID gets exactly what it missed.

export const LIVE_CHANNEL = "testigo_live";
/** At most this many events are replayed to a client; further behind, it is told to reload. */
export const REPLAY_LIMIT = 500;
/** Nor older than this. */
const REPLAY_WINDOW = "24 hours";
/** A client this far behind in reading (bytes queued) is dropped; it reconnects and catches up. */
const MAX_QUEUED_BYTES = 1024 * 1024;
/** How long the browser waits before reconnecting after the stream ends. */
const RETRY_MS = 3000;

export interface HubOptions {
  /** The database to LISTEN on; defaults to the requests' login (LISTEN needs no privilege). Must be a session, not a transaction-pooled, connection. */
  databaseUrl?: string;
  /** Notifications arriving within this window are handled together. */
  coalesceMs?: number;
  /** A comment line every so often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Streams are closed after this long; the browser reconnects at once and is signed in again. */
  maxLifetimeMs?: number;
  /** Read-backs at once, leaving the rest of the pool to requests. */
  readConcurrency?: number;
  /** How often open streams' sign-ins are checked: a sign-out or a deactivation ends them within this. */
  signInCheckMs?: number;
  /** Which sign-in keys still stand (app/modules/auth/still-signed-in.server.ts). */
  stillSignedIn?: (keys: string[]) => Promise<Set<string>>;
  log?: (line: string) => void;
}

interface Subscriber {
  claims: Claims;
  /** The sign-in this stream was opened with (signInKey()); null: none to re-check. */
  signInKey: string | null;
  /** The last event id this subscriber has been given everything up to. */
  cursor: bigint;
  openedAt: number;
  reading: boolean;
  again: boolean;
  send(text: string): void;
  close(): void;
}

type Row = { id: string; at: Date | string; kind: string; zone_id: string | null; shift_id: string | null; report_id: string | null; payload: unknown };

const encoder = new TextEncoder();

function frameOf(row: Row) {
  const event: LiveEvent = {
    id: String(row.id),
    at: new Date(row.at).toISOString(),
    kind: row.kind as LiveKind,
    zoneId: row.zone_id,
    shiftId: row.shift_id,
    reportId: row.report_id,
    payload: (row.payload ?? {}) as Record<string, unknown>,
  };
  return `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`;
}

const UNAVAILABLE = "Live updates are unavailable for a moment. / Las actualizaciones en vivo no están disponibles por un momento.";

const plain = (status: number, text: string) =>
  new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export class LiveHub {
  private readonly options: Required<Omit<HubOptions, "databaseUrl">> & { databaseUrl?: string };
  private readonly subscribers = new Set<Subscriber>();
  private listener: pg.Client | null = null;
  private connecting = false;
  private started = false;
  private stopped = false;
  private reconnectDelay = 250;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private signInTimer: NodeJS.Timeout | undefined;
  private checkingSignIns = false;
  /** The highest event id known to be committed. */
  private latest = 0n;
  /** How many times the LISTEN connection has been (re)established; for tests and /healthz. */
  connections = 0;

  constructor(options: HubOptions = {}) {
    this.options = {
      coalesceMs: 50,
      heartbeatMs: 25_000,
      maxLifetimeMs: 15 * 60_000,
      readConcurrency: Math.max(1, Math.floor(Number(process.env.DATABASE_POOL_SIZE ?? 10) / 2)),
      signInCheckMs: 5_000,
      stillSignedIn,
      log: (line) => console.log(line),
      ...options,
    };
  }

  /** Starts listening (once). Never throws: a database that is down is retried with backoff. */
  start() {
    if (this.started || this.stopped) return;
    this.started = true;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    this.signInTimer = setInterval(() => void this.checkSignIns(), this.options.signInCheckMs);
    this.signInTimer.unref();
    void this.connect();
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.signInTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    for (const subscriber of [...this.subscribers]) subscriber.close();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
  }

  get listening() {
    return this.listener !== null;
  }

  get subscriberCount() {
    return this.subscribers.size;
  }

  // ---- the LISTEN connection -------------------------------------------------------------

  private async connect() {
    if (this.stopped || this.connecting || this.listener) return;
    this.connecting = true;
    const url = this.options.databaseUrl ?? process.env.DATABASE_APP_URL ?? process.env.DATABASE_URL;
    const client = new pg.Client({
      connectionString: url,
      application_name: "testigo_live_listener",
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = null;
      client.end().catch(() => {});
      if (!this.stopped) {
        this.options.log("Live: lost the LISTEN connection; reconnecting");
        this.scheduleReconnect();
      }
    };
    client.on("error", onLost);
    client.on("end", onLost);
    client.on("notification", (message) => {
      if (message.channel !== LIVE_CHANNEL || !message.payload || !/^\d{1,19}$/.test(message.payload)) return;
      const id = BigInt(message.payload);
      if (id > this.latest) this.latest = id;
      this.scheduleFlush();
    });
    try {
      if (!url) throw new Error("DATABASE_URL is not set");
      await client.connect();
      await client.query(`listen ${LIVE_CHANNEL}`);
      if (this.stopped || lost) {
        await client.end().catch(() => {});
        return;
      }
      // Whatever was committed while nobody listened is read back now.
      const head = await this.head();
      if (head > this.latest) this.latest = head;
      this.listener = client;
      this.connections += 1;
      this.reconnectDelay = 250;
      this.scheduleFlush();
    } catch {
      lost = true;
      client.end().catch(() => {});
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  private scheduleReconnect() {
    if (this.stopped || this.reconnectTimer) return;
    // Exponential backoff with jitter, up to 30 s, so instances do not all knock at once.
    const delay = Math.min(30_000, this.reconnectDelay) * (0.5 + Math.random() / 2);
    this.reconnectDelay = Math.min(30_000, this.reconnectDelay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** The newest committed event id (ids below it are all committed too: they follow commit order). */
  private async head(): Promise<bigint> {
    const { rows } = await withSystem((trx) => sql<{ head: string }>`select coalesce(max(id), 0)::text as head from public.live_events`.execute(trx));
    return BigInt(rows[0]!.head);
  }

  private heartbeat() {
    const now = Date.now();
    for (const subscriber of [...this.subscribers]) {
      if (now - subscriber.openedAt > this.options.maxLifetimeMs) subscriber.close();
      else subscriber.send(": ping\n\n");
    }
    // A half-open connection (a database that vanished without a word) shows itself here.
    const listener = this.listener;
    if (listener) {
      const timeout = setTimeout(() => listener.emit("error", new Error("Live: LISTEN connection not answering")), 10_000);
      listener.query("select 1").then(
        () => clearTimeout(timeout),
        () => clearTimeout(timeout),
      );
    }
  }

  /** Ends the streams whose sign-in no longer stands (signed out, revoked, expired, deactivated). */
  async checkSignIns() {
    if (this.checkingSignIns) return;
    const keys = new Set<string>();
    for (const subscriber of this.subscribers) if (subscriber.signInKey) keys.add(subscriber.signInKey);
    if (!keys.size) return;
    this.checkingSignIns = true;
    try {
      const valid = await this.options.stillSignedIn([...keys]);
      for (const subscriber of [...this.subscribers]) {
        if (subscriber.signInKey && !valid.has(subscriber.signInKey)) subscriber.close();
      }
    } catch (error) {
      // The database is out of reach: the streams' own reads fail too; the next round tries again.
      this.options.log(`Live: sign-in check failed (${error instanceof Error ? error.name : "error"})`);
    } finally {
      this.checkingSignIns = false;
    }
  }

  // ---- delivery --------------------------------------------------------------------------

  private scheduleFlush(delay = this.options.coalesceMs) {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, delay);
    this.flushTimer.unref();
  }

  private async flush() {
    try {
      await this.flushOnce();
    } catch (error) {
      // Never let a delivery problem take the process down; the next notification tries again.
      this.options.log(`Live: delivery failed (${error instanceof Error ? error.name : "error"})`);
    }
  }

  private async flushOnce() {
    const latest = this.latest;
    // One read-back per person and position: several tabs of one coordinator cost one query.
    const groups = new Map<string, Subscriber[]>();
    for (const subscriber of this.subscribers) {
      if (subscriber.cursor >= latest) continue;
      if (subscriber.reading) {
        subscriber.again = true;
        continue;
      }
      const key = `${subscriber.claims.sub}:${subscriber.cursor}`;
      const group = groups.get(key);
      if (group) group.push(subscriber);
      else groups.set(key, [subscriber]);
    }
    await eachLimited([...groups.values()], this.options.readConcurrency, (group) => this.deliver(group, latest));
  }

  private async deliver(group: Subscriber[], latest: bigint) {
    const { claims, cursor } = group[0]!;
    for (const s of group) s.reading = true;
    let retry = false;
    try {
      const result = await this.readBack(claims, cursor);
      if (!result.active) {
        for (const s of group) s.close();
        return;
      }
      const text = result.rows.map(frameOf).join("");
      const last = result.rows.length ? BigInt(result.rows[result.rows.length - 1]!.id) : cursor;
      // Every id up to `latest` was committed before this read began: nothing below it can appear later.
      const full = result.rows.length === REPLAY_LIMIT;
      const next = full ? last : last > latest ? last : latest;
      for (const s of group) {
        if (text) s.send(text);
        s.cursor = next;
        if (full) s.again = true;
      }
    } catch (error) {
      // The database is unreachable or busy: try these subscribers again shortly.
      this.options.log(`Live: read-back failed (${error instanceof Error ? error.name : "error"}); retrying`);
      retry = true;
    } finally {
      let again = retry;
      for (const s of group) {
        s.reading = false;
        again ||= s.again;
        s.again = false;
      }
      if (again) this.scheduleFlush(retry ? 1000 : this.options.coalesceMs);
    }
  }

  /** The person's events after `cursor`, as RLS lets them see them, and whether they are still active (one statement). */
  private readBack(claims: Claims, cursor: bigint) {
    return withUser(claims, async (trx) => {
      const { rows } = await sql<Row & { active: boolean }>`
        select a.active, e.id::text as id, e.at, e.kind, e.zone_id, e.shift_id, e.report_id, e.payload
        from (select private.is_active_member() as active) a
        left join lateral (
          select * from public.live_events l
          where a.active and l.id > ${cursor.toString()}::bigint and l.at > now() - ${REPLAY_WINDOW}::interval
          order by l.id
          limit ${REPLAY_LIMIT}
        ) e on true`.execute(trx);
      const active = Boolean(rows[0]?.active);
      return { active, rows: active ? rows.filter((r) => r.id !== null) : [] };
    });
  }

  /** Whether the person missed events that are past the replay window. */
  private missedOldEvents(claims: Claims, after: bigint) {
    return withUser(claims, async (trx) => {
      const { rows } = await sql<{ missed: boolean }>`
        select exists (select 1 from public.live_events where id > ${after.toString()}::bigint and at <= now() - ${REPLAY_WINDOW}::interval) as missed`.execute(trx);
      return rows[0]!.missed;
    });
  }

  // ---- subscribing -----------------------------------------------------------------------

  /**
   * A text/event-stream Response for the signed-in person, replaying what they missed after
   * `after` (their Last-Event-ID). 403 when they are no longer active.
   */
  async stream(claims: Claims, after: bigint | null, signal: AbortSignal, signInKey: string | null = null): Promise<Response> {
    this.start();
    if (this.stopped) return plain(503, UNAVAILABLE);
    try {
      return await this.open(claims, after, signal, signInKey);
    } catch {
      // The database is out of reach: the browser tries again later.
      return plain(503, UNAVAILABLE);
    }
  }

  private async open(claims: Claims, after: bigint | null, signal: AbortSignal, signInKey: string | null): Promise<Response> {
    const head = await this.head();
    let cursor = head;
    let opening = `retry: ${RETRY_MS}\n: live\n\n`;
    if (after !== null && after < head) {
      const [replay, missedOld] = await Promise.all([this.readBack(claims, after), this.missedOldEvents(claims, after)]);
      if (!replay.active) return plain(403, "Forbidden. / No permitido.");
      if (missedOld || replay.rows.length === REPLAY_LIMIT) {
        // Too far behind to replay: the page reloads its snapshot and carries on from here.
        opening += `event: reset\ndata: {}\n\n`;
      } else {
        opening += replay.rows.map(frameOf).join("");
        const last = replay.rows.length ? BigInt(replay.rows[replay.rows.length - 1]!.id) : head;
        cursor = last > head ? last : head;
      }
    } else {
      const { active } = await withUser(claims, async (trx) => {
        const { rows } = await sql<{ active: boolean }>`select private.is_active_member() as active`.execute(trx);
        return { active: Boolean(rows[0]?.active) };
      });
      if (!active) return plain(403, "Forbidden. / No permitido.");
      // An id from the future (the database was reset): start over.
      if (after !== null && after > head) opening += `event: reset\ndata: {}\n\n`;
    }
    if (signal.aborted) return plain(499, "");

    let closed = false;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const subscriber: Subscriber = {
      claims,
      signInKey,
      cursor,
      openedAt: Date.now(),
      reading: false,
      again: false,
      send: (text) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          subscriber.close();
          return;
        }
        // A client that stopped reading is let go rather than buffered without end.
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) subscriber.close();
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.subscribers.delete(subscriber);
        signal.removeEventListener("abort", subscriber.close);
        try {
          controller.close();
        } catch {
          // already closed or errored by the client going away
        }
      },
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
          c.enqueue(encoder.encode(opening));
        },
        cancel: () => subscriber.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
    signal.addEventListener("abort", subscriber.close);
    this.subscribers.add(subscriber);
    // Anything committed while this stream was being opened.
    if (this.latest > cursor) this.scheduleFlush();

    return new Response(body, {
      status: 200,
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        // no-transform: neither compression (server.ts) nor a proxy may hold events back.
        "Cache-Control": "no-store, no-transform",
        "X-Accel-Buffering": "no",
      },
    });
  }
}

// One hub per process, kept on globalThis: server.ts and the Remix build (or Vite's SSR module
// graph in development, reloaded on every change) each load their own copy of this module.
const HUB = Symbol.for("testigo.liveHub");
type WithHub = typeof globalThis & { [HUB]?: LiveHub };

/** This instance's hub, started on first use. */
export function liveHub(): LiveHub {
  const global = globalThis as WithHub;
  global[HUB] ??= new LiveHub();
  global[HUB].start();
  return global[HUB];
}

export async function stopLiveHub() {
  const global = globalThis as WithHub;
  const current = global[HUB];
  delete global[HUB];
  await current?.stop();
}
