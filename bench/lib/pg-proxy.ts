/**
 * A TCP proxy for the PostgreSQL wire protocol, to stand between the app and its database:
 * it adds a fixed delay to every chunk in each direction (a database across a network), and it
 * counts statements, transactions and round trips by parsing both message streams. node:net only.
 *
 *   const proxy = await startPgProxy({ target: databaseUrl, delayMs: 5 });
 *   process.env.DATABASE_URL = proxy.url(databaseUrl);   // the same URL, host and port of the proxy
 *   proxy.reset(); …; const c = proxy.counters();        // { statements, transactions, roundTrips, … }
 *   proxy.setDelay(1); await proxy.close();
 *
 * Delay: every chunk read from one side is written to the other `delayMs` later (a round trip
 * costs 2 × delayMs more); order is kept per direction. 0 writes at once. Backpressure: a side
 * is paused while the other side's socket buffer is full or more than 1 MiB waits in the delay.
 *
 * What is counted (per connection and in total, since the last reset()):
 * - statements: each SQL statement the client sends. A simple Query ('Q') counts the statements
 *   in its text (split on top-level `;`, ignoring those inside quotes, quoted identifiers,
 *   dollar quotes and comments, and ignoring empty pieces); an extended-protocol Execute ('E')
 *   counts one, with its SQL from the Parse ('P') of the statement its portal was bound to
 *   (named statements and portals are followed). Counted when sent, whether or not they succeed.
 * - transactions: an explicit block (`begin` / `start transaction` … `commit` / `rollback` /
 *   `end` / `abort` / `prepare transaction`) counts one; statements outside a block count one
 *   implicit transaction per message cycle, as PostgreSQL runs them: all statements of one
 *   simple Query, or all Executes up to one Sync, that are outside a block share one implicit
 *   transaction (node-postgres sends a Sync after each query, so that is one per query). The
 *   status byte of each ReadyForQuery ('Z': I idle, T in a block, E failed block) corrects the
 *   state: a block the SQL text did not show (e.g. opened inside a function) is counted when
 *   'Z' first reports T or E, and 'I' ends whatever was open.
 * - roundTrips: the times the client sent a message while no answer was outstanding, i.e. the
 *   client spoke after the server had answered everything it had asked (the last ReadyForQuery
 *   for its last Query or Sync). Pipelined queries sent before the answer count once. This is
 *   what a network's latency multiplies. Only after the connection is ready (first 'Z').
 * - setupRoundTrips: the same during the startup (SSL negotiation, startup packet, password/SCRAM
 *   exchange), counted separately: a pool pays them once per new connection.
 * - connections: connections accepted; cancel requests are connections too.
 * A connection that negotiates SSL ('S' answer) or GSS encryption is forwarded but cannot be
 * parsed: it is counted in `encrypted` and its statements are not counted.
 */
import net from "node:net";

// ---- the SQL splitter -----------------------------------------------------------------------

/**
 * The statements of a simple-query string: split on top-level `;` (not inside '…', E'…', "…",
 * $tag$…$tag$, -- comments or nested /* comments *\/), trimmed, empty pieces (only whitespace
 * and comments) dropped.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let meaningful = false;
  let i = 0;
  const n = text.length;
  const push = (end: number) => {
    if (meaningful) out.push(text.slice(start, end).trim());
    start = end + 1;
    meaningful = false;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i + 2);
      i = nl === -1 ? n : nl + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'" || c === '"') {
      meaningful = true;
      // E'…' strings allow backslash escapes; standard strings and identifiers only doubling.
      const escapes = c === "'" && i > 0 && (text[i - 1] === "E" || text[i - 1] === "e") && !/[\w$]/.test(text[i - 2] ?? " ");
      i++;
      while (i < n) {
        if (escapes && text[i] === "\\") i += 2;
        else if (text[i] === c) {
          if (text[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === "$" && !/[\w$]/.test(text[i - 1] ?? " ")) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
      meaningful = true;
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else i++; // $1, a parameter
    } else if (c === ";") {
      push(i);
      i++;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  push(n);
  return out;
}

type Kind = "begin" | "end" | "other";

/** Transaction control, by the statement's first words (comments skipped). */
export function statementKind(sql: string): Kind {
  const words = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ")
    .trim()
    .toLowerCase()
    .split(/\s+/, 3);
  const [a, b, c] = words;
  if (a === "begin" || (a === "start" && b === "transaction")) return "begin";
  if (a === "commit" || a === "end" || a === "abort") return b === "prepared" ? "other" : "end";
  if (a === "rollback") return b === "prepared" || b === "to" || (b === "transaction" && c === "to") || (b === "work" && c === "to") ? "other" : "end";
  if (a === "prepare" && b === "transaction") return "end";
  return "other";
}

// ---- counters -------------------------------------------------------------------------------

export interface ConnectionCounters {
  /** 1, 2, … in the order the proxy accepted them. */
  id: number;
  open: boolean;
  /** True when the connection negotiated encryption: forwarded, not parsed. */
  encrypted: boolean;
  statements: number;
  transactions: number;
  roundTrips: number;
  setupRoundTrips: number;
  /** Simple Query messages. */
  queries: number;
  /** Execute messages. */
  executes: number;
  bytesFromClient: number;
  bytesFromServer: number;
}

export interface ProxyCounters {
  /** Connections accepted since the last reset. */
  connections: number;
  openConnections: number;
  encrypted: number;
  statements: number;
  transactions: number;
  roundTrips: number;
  setupRoundTrips: number;
  queries: number;
  executes: number;
  bytesFromClient: number;
  bytesFromServer: number;
  /** Connections open now or closed since the last reset. */
  perConnection: ConnectionCounters[];
  /** With `record`: the statements' SQL (first 200 characters), in the order sent. */
  statementLog: { connection: number; sql: string }[];
}

const emptyCounts = () => ({
  statements: 0,
  transactions: 0,
  roundTrips: 0,
  setupRoundTrips: 0,
  queries: 0,
  executes: 0,
  bytesFromClient: 0,
  bytesFromServer: 0,
});

// ---- message framing -----------------------------------------------------------------------

/**
 * Incremental framing of one direction: 1 type byte + int32 length (including itself) + body;
 * or, while `untyped()` says so, an int32 length + body with no type byte (the frontend's
 * startup packets); or a single byte (the backend's answer to SSLRequest/GSSENCRequest).
 * Bodies are kept only for the message types `wants` names; the rest are skipped.
 */
class Framer {
  private header = Buffer.alloc(5);
  private headerHave = 0;
  private type = 0;
  private remaining = 0;
  private body: Buffer[] | null = null;
  private inBody = false;
  /** Set when the stream cannot be parsed (TLS): everything is passed over. */
  dead = false;

  constructor(
    private readonly mode: () => "typed" | "untyped" | "byte",
    private readonly wants: (type: number) => boolean,
    private readonly onMessage: (type: number, body: Buffer | null) => void,
  ) {}

  push(chunk: Buffer) {
    let i = 0;
    while (i < chunk.length && !this.dead) {
      if (this.inBody) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.body) this.body.push(chunk.subarray(i, i + take));
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.finish();
        continue;
      }
      const mode = this.mode();
      if (mode === "byte") {
        this.onMessage(chunk[i]!, null);
        i++;
        continue;
      }
      const need = mode === "typed" ? 5 : 4;
      const take = Math.min(need - this.headerHave, chunk.length - i);
      chunk.copy(this.header, this.headerHave, i, i + take);
      this.headerHave += take;
      i += take;
      if (this.headerHave < need) continue;
      this.headerHave = 0;
      this.type = mode === "typed" ? this.header[0]! : 0;
      const length = mode === "typed" ? this.header.readInt32BE(1) : this.header.readInt32BE(0);
      if (length < 4 || length > 1 << 30) {
        this.dead = true; // not PostgreSQL framing (or TLS): stop parsing, keep forwarding
        return;
      }
      // A startup packet is at most 10,000 bytes (PostgreSQL's own limit); more is not framing.
      if (mode === "untyped" && length > 10_000) {
        this.dead = true;
        return;
      }
      this.remaining = length - 4;
      this.body = this.wants(this.type) ? [] : null;
      this.inBody = true;
      if (this.remaining === 0) this.finish();
    }
  }

  private finish() {
    this.inBody = false;
    const body = this.body ? Buffer.concat(this.body) : null;
    this.body = null;
    this.onMessage(this.type, body);
  }
}

const cstring = (buf: Buffer, at: number) => {
  const end = buf.indexOf(0, at);
  return { value: buf.toString("utf8", at, end === -1 ? buf.length : end), next: end === -1 ? buf.length : end + 1 };
};

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const Q = 0x51; // Query
const P = 0x50; // Parse
const B = 0x42; // Bind
const E = 0x45; // Execute
const S = 0x53; // Sync
const X = 0x58; // Terminate
const C = 0x43; // Close (frontend)
const Z = 0x5a; // ReadyForQuery

// ---- one connection ------------------------------------------------------------------------

class Tracker {
  counts: ConnectionCounters;
  /** Startup phase: until the first ReadyForQuery. */
  private ready = false;
  private expectByte = false;
  private frontendUntyped = true;
  /** Server-side transaction state, as last reported or as the SQL implies. */
  private inBlock = false;
  private implicitOpen = false;
  /** Query + Sync messages sent minus ReadyForQuery received. */
  private outstanding = 0;
  /**
   * For each Query or Sync sent and not yet answered: whether the SQL sent up to it left a block
   * open. A pipelining client sends on before the answers come, so a ReadyForQuery describes the
   * state at its own message, not at the latest one.
   */
  private expected: boolean[] = [];
  /** The client has sent messages whose answer has not fully come back (a round trip in flight). */
  private inFlight = false;
  private lastSetupSender: "client" | "server" | null = null;
  private sawClient = false;
  private statements = new Map<string, string>();
  private portals = new Map<string, string>();
  readonly frontend: Framer;
  readonly backend: Framer;

  constructor(
    id: number,
    private readonly record: (connection: number, sql: string) => void,
  ) {
    this.counts = { id, open: true, encrypted: false, ...emptyCounts() };
    this.frontend = new Framer(
      () => (this.frontendUntyped ? "untyped" : "typed"),
      (t) => t === 0 || t === Q || t === P || t === B || t === E || t === C,
      (t, body) => this.fromClient(t, body),
    );
    this.backend = new Framer(
      () => (this.expectByte ? "byte" : "typed"),
      (t) => t === Z,
      (t, body) => this.fromServer(t, body),
    );
  }

  /** Everything the client sends, before it is forwarded. */
  fromClientChunk(chunk: Buffer) {
    // A TLS ClientHello first (direct SSL, PostgreSQL 17's sslnegotiation=direct): forwarded unparsed.
    if (this.frontendUntyped && !this.sawClient && chunk[0] === 0x16) {
      this.counts.encrypted = true;
      this.frontend.dead = true;
      this.backend.dead = true;
    }
    this.sawClient = true;
    this.frontend.push(chunk);
  }

  private fromClient(type: number, body: Buffer | null) {
    if (type === 0) {
      // An untyped packet: SSLRequest, GSSENCRequest, CancelRequest or the StartupMessage.
      const code = body && body.length >= 4 ? body.readInt32BE(0) : 0;
      this.setupTrip("client");
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.expectByte = true;
      else if (code === CANCEL_REQUEST) this.frontend.dead = true;
      else this.frontendUntyped = false; // the StartupMessage; typed messages follow
      return;
    }
    if (!this.ready) {
      this.setupTrip("client"); // password, SASL messages
      return;
    }
    if (type === X) return;
    if (!this.inFlight) {
      this.inFlight = true;
      this.counts.roundTrips++;
    }
    if (type === Q) {
      this.outstanding++;
      this.counts.queries++;
      const text = body ? cstring(body, 0).value : "";
      for (const sql of splitStatements(text)) this.statement(sql);
      // A simple Query ends its implicit transaction at its end (the 'Z' that answers it).
      this.syncPoint();
    } else if (type === P && body) {
      const name = cstring(body, 0);
      this.statements.set(name.value, cstring(body, name.next).value);
    } else if (type === B && body) {
      const portal = cstring(body, 0);
      const statement = cstring(body, portal.next);
      this.portals.set(portal.value, this.statements.get(statement.value) ?? "");
    } else if (type === E && body) {
      this.counts.executes++;
      this.statement(this.portals.get(cstring(body, 0).value) ?? "");
    } else if (type === C && body) {
      const name = cstring(body, 1).value;
      if (body[0] === 0x53) this.statements.delete(name);
      else this.portals.delete(name);
    } else if (type === S) {
      this.outstanding++;
      // Executes outside a block share one implicit transaction, which ends at the Sync.
      this.syncPoint();
    }
  }

  private syncPoint() {
    if (!this.inBlock) this.implicitOpen = false;
    this.expected.push(this.inBlock);
  }

  private statement(sql: string) {
    this.counts.statements++;
    this.record(this.counts.id, sql.slice(0, 200));
    const kind = statementKind(sql);
    if (kind === "begin") {
      // BEGIN inside an implicit transaction turns it into the block (PostgreSQL does the same).
      if (!this.inBlock && !this.implicitOpen) this.counts.transactions++;
      this.inBlock = true;
      this.implicitOpen = false;
    } else if (kind === "end") {
      if (!this.inBlock && !this.implicitOpen) return; // COMMIT outside a block: a warning, no transaction
      this.inBlock = false;
      this.implicitOpen = false;
    } else if (!this.inBlock && !this.implicitOpen) {
      this.counts.transactions++;
      this.implicitOpen = true;
    }
  }

  private fromServer(type: number, body: Buffer | null) {
    if (this.expectByte) {
      this.expectByte = false;
      this.setupTrip("server");
      if (type !== 0x4e) {
        // 'S' or 'G': encryption follows; nothing more can be parsed.
        this.counts.encrypted = true;
        this.frontend.dead = true;
        this.backend.dead = true;
      }
      return;
    }
    if (!this.ready) {
      this.setupTrip("server");
      if (type === Z) this.ready = true;
      return;
    }
    if (type !== Z) return;
    this.outstanding = Math.max(0, this.outstanding - 1);
    if (this.outstanding === 0) this.inFlight = false;
    const status = body?.[0];
    // What the SQL sent up to the message this answers implied, and whether it is the latest one.
    const expectedInBlock = this.expected.shift();
    const latest = this.expected.length === 0;
    if (status === 0x49) {
      // 'I': idle; whatever was open has ended (implicit transactions end at each 'Z').
      if (latest) {
        this.inBlock = false;
        this.implicitOpen = false;
      }
    } else if (status === 0x54 || status === 0x45) {
      // 'T' / 'E': in a block. Count it if the SQL did not show it opening.
      const shown = expectedInBlock ?? (this.inBlock || this.implicitOpen);
      if (!shown) this.counts.transactions++;
      if (latest) {
        this.inBlock = true;
        this.implicitOpen = false;
      }
    }
  }

  private setupTrip(sender: "client" | "server") {
    if (sender === "client" && this.lastSetupSender !== "client") this.counts.setupRoundTrips++;
    this.lastSetupSender = sender;
  }
}

// ---- the pipe with a delay -----------------------------------------------------------------

const HIGH_WATER = 1 << 20;

/**
 * Forwards `from` to `to`, each chunk `delay()` ms after it was read, in order. Pauses `from`
 * while `to` is full or too much waits in the queue. Ends `to` after the last chunk when `from`
 * ends.
 */
function pipeDelayed(from: net.Socket, to: net.Socket, delay: () => number, observe: (chunk: Buffer) => void) {
  const queue: { due: number; chunk: Buffer }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  let blocked = false;

  const throttle = () => {
    const shouldPause = blocked || queued > HIGH_WATER;
    if (shouldPause && !from.isPaused()) from.pause();
    else if (!shouldPause && from.isPaused() && !from.destroyed) from.resume();
  };
  const write = (chunk: Buffer) => {
    if (to.destroyed) return;
    if (!to.write(chunk)) blocked = true;
  };
  const drain = () => {
    timer = null;
    const now = performance.now();
    // Timers may fire a fraction of a millisecond early: nothing leaves before its time.
    while (queue.length && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      write(chunk);
    }
    if (queue.length) timer = setTimeout(drain, Math.max(1, Math.ceil(queue[0]!.due - performance.now())));
    else if (ended && !to.destroyed) to.end();
    throttle();
  };
  to.on("drain", () => {
    blocked = false;
    throttle();
  });
  from.on("data", (chunk: Buffer) => {
    observe(chunk);
    const ms = delay();
    if (ms <= 0 && !queue.length) write(chunk);
    else {
      queue.push({ due: performance.now() + ms, chunk });
      queued += chunk.length;
      timer ??= setTimeout(drain, ms);
    }
    throttle();
  });
  from.on("end", () => {
    ended = true;
    if (!queue.length && !to.destroyed) to.end();
  });
  return {
    /** Drops what waits (the other side is gone). */
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      queue.length = 0;
      queued = 0;
    },
  };
}

// ---- the proxy -----------------------------------------------------------------------------

export interface PgProxyOptions {
  /** The database: a postgres:// URL (host and port are used) or { host, port }. */
  target: string | { host: string; port: number };
  /** Added to every chunk in each direction, in ms (a round trip costs twice this). Default 0. */
  delayMs?: number;
  /** Port to listen on (127.0.0.1); 0, the default, picks a free one. */
  port?: number;
  /** Keep the SQL of each statement (first 200 characters) for counters().statementLog. */
  record?: boolean;
  /** At most this many statements are kept in the log (default 10,000); older ones are dropped. */
  recordLimit?: number;
}

export interface PgProxy {
  /** The port the proxy listens on, at 127.0.0.1. */
  readonly port: number;
  readonly delayMs: number;
  /** Changes the delay for chunks read from now on. */
  setDelay(ms: number): void;
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  /** A snapshot of the counters since the last reset (or the start). */
  counters(): ProxyCounters;
  /** Zeroes the counters and the statement log; open connections keep their protocol state. */
  reset(): void;
  /** Turns statement recording on or off. */
  setRecord(on: boolean): void;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

export async function startPgProxy(options: PgProxyOptions): Promise<PgProxy> {
  const target =
    typeof options.target === "string"
      ? (() => {
          const u = new URL(options.target);
          return { host: u.hostname || "127.0.0.1", port: Number(u.port || 5432) };
        })()
      : options.target;
  let delayMs = options.delayMs ?? 0;
  let record = options.record ?? false;
  const recordLimit = options.recordLimit ?? 10_000;
  let log: ProxyCounters["statementLog"] = [];
  let nextId = 1;
  let accepted = 0;
  let tracked: Tracker[] = [];
  const sockets = new Set<net.Socket>();

  const recordStatement = (connection: number, sql: string) => {
    if (!record) return;
    log.push({ connection, sql });
    if (log.length > recordLimit) log = log.slice(-recordLimit);
  };

  const server = net.createServer((client) => {
    const tracker = new Tracker(nextId++, recordStatement);
    tracked.push(tracker);
    accepted++;
    const upstream = net.connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    const up = pipeDelayed(client, upstream, () => delayMs, (chunk) => {
      tracker.counts.bytesFromClient += chunk.length;
      tracker.fromClientChunk(chunk);
    });
    const down = pipeDelayed(upstream, client, () => delayMs, (chunk) => {
      tracker.counts.bytesFromServer += chunk.length;
      tracker.backend.push(chunk);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      tracker.counts.open = false;
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // An error on either side ends both; a clean close ends the other once its data is written.
    client.on("error", () => {
      up.stop();
      down.stop();
      upstream.destroy();
    });
    upstream.on("error", () => {
      up.stop();
      down.stop();
      client.destroy();
    });
    // A clean end ('end') is passed on by pipeDelayed after what waits in the delay.
    // A side that goes without either (destroyed) takes the other with it, after the delay.
    const follow = (other: net.Socket) => () => {
      close();
      if (!other.destroyed) setTimeout(() => other.destroy(), delayMs + 1_000).unref();
    };
    client.on("close", follow(upstream));
    upstream.on("close", follow(client));
  });
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    port,
    get delayMs() {
      return delayMs;
    },
    setDelay(ms: number) {
      if (!(ms >= 0)) throw new Error(`bad delay ${ms}`);
      delayMs = ms;
    },
    url(databaseUrl: string) {
      const u = new URL(databaseUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    counters() {
      const totals = { connections: accepted, openConnections: 0, encrypted: 0, ...emptyCounts() };
      for (const t of tracked) {
        const c = t.counts;
        if (c.open) totals.openConnections++;
        if (c.encrypted) totals.encrypted++;
        for (const key of Object.keys(emptyCounts()) as (keyof ReturnType<typeof emptyCounts>)[]) totals[key] += c[key];
      }
      return { ...totals, perConnection: tracked.map((t) => ({ ...t.counts })), statementLog: [...log] };
    },
    reset() {
      tracked = tracked.filter((t) => t.counts.open);
      accepted = 0;
      for (const t of tracked) Object.assign(t.counts, emptyCounts());
      log = [];
    },
    setRecord(on: boolean) {
      record = on;
    },
    async close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      sockets.clear();
      await closing;
    },
  };
}
