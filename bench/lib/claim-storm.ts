/**
 * A claim storm: a crowd of observers claims one shift at once, through the production server
 * (POST /shifts/<id>.data as a hydrated browser sends it, or a plain form post) and directly
 * through the app's claimShift() over a pool. Accepted and waitlisted are counted from
 * shift_assignments after each storm, not from responses, and the invariants are checked.
 * Used by bench/claim-storm.ts and bench/run.ts.
 */
import net from "node:net";
import type pg from "pg";
import { percentile, round, type CpuMeter, type Person } from "./harness";

export type ClaimMode = "data" | "document";
export type ClaimShift = (claims: Person["claims"], shiftId: string) => Promise<{ status: string }>;

export interface Storm {
  n: number;
  capacity: number;
  accepted: number;
  waitlisted: number;
  errors: number;
  errorSamples: string[];
  statuses?: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  wallMs: number;
  claimsPerSecond: number;
  violations: string[];
}

export const stormFailed = (s: Storm) => s.violations.length > 0 || s.errors > 0;

/** One shift `startsInHours` from now, 4 hours long. */
export async function createShift(owner: pg.Client, zoneId: string, startsInHours: number, capacity: number) {
  const { rows } = await owner.query<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     values ($1, now() + make_interval(hours => $2), now() + make_interval(hours => $2 + 4), $3) returning id`,
    [zoneId, startsInHours, capacity],
  );
  return rows[0]!.id;
}

/** Who ended up where, from the rows, and the invariants that must hold after a storm. */
async function outcome(owner: pg.Client, shiftId: string, n: number, capacity: number) {
  const { rows } = await owner.query<{ observer_id: string; status: string; seq: string }>(
    "select observer_id, status, seq from public.shift_assignments where shift_id = $1 order by seq",
    [shiftId],
  );
  const { rows: counters } = await owner.query<{ claimed_count: number; waitlist_count: number }>(
    "select claimed_count, waitlist_count from public.shifts where id = $1",
    [shiftId],
  );
  const active = rows.filter((r) => r.status !== "cancelled");
  const accepted = active.filter((r) => r.status === "claimed").length;
  const waitlisted = active.filter((r) => r.status === "waitlisted").length;
  const violations: string[] = [];
  const expectedClaimed = Math.min(capacity, n);
  if (accepted !== expectedClaimed) violations.push(`claimed ${accepted}, expected ${expectedClaimed}`);
  if (accepted > capacity) violations.push(`capacity ${capacity} exceeded: ${accepted} claimed`);
  const duplicates = active.length - new Set(active.map((r) => r.observer_id)).size;
  if (duplicates) violations.push(`${duplicates} duplicate active assignments`);
  if (counters[0]!.claimed_count !== accepted || counters[0]!.waitlist_count !== waitlisted) {
    violations.push(`shift counters ${counters[0]!.claimed_count}/${counters[0]!.waitlist_count} disagree with rows ${accepted}/${waitlisted}`);
  }
  if (!active.slice(0, accepted).every((r) => r.status === "claimed")) violations.push("a later arrival got a spot before an earlier one (not FIFO)");
  return { accepted, waitlisted, placed: new Set(active.map((r) => r.observer_id)), violations };
}

function summarise(latencies: number[], wallMs: number, n: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
    wallMs: round(wallMs),
    claimsPerSecond: round((n / wallMs) * 1000),
  };
}

/** Everyone in `crowd` posts intent=claim for the shift at the same moment, over HTTP. */
/** One crowd member's answer. */
interface CrowdReply {
  status: number;
  location: string | null;
  body: string;
  ms: number;
}

/**
 * One POST on a connection of its own, as a phone sends it, with as little of this process's CPU
 * as a load generator should take: the request is written in one piece and the answer read with
 * a minimal parser (status, headers, a Content-Length or chunked body). node:http's client cost
 * about 0.7 ms of CPU per claim here, a third of what the server spends on it, on the same 2
 * cores. The socket stays open until `sockets` are closed after the storm, as a browser would
 * keep it, so that the server closes the crowd's connections after the storm, not during it.
 */
export function crowdPost(port: number, path: string, headers: Record<string, string>, body: string, sockets: net.Socket[]): Promise<CrowdReply> {
  const started = performance.now();
  const head = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, "", ""].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.setNoDelay(true);
    let received: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (reply: CrowdReply | Error) => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      if (reply instanceof Error) {
        socket.destroy();
        reject(reply);
      } else resolve(reply);
    };
    // Returns the reply once `received` holds all of it, or null while more is to come.
    const parse = (ended: boolean): CrowdReply | null => {
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) return null;
      const lines = received.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      // An informational answer (100 Continue, 103 Early Hints) comes before the real one.
      if (status >= 100 && status < 200) {
        received = received.subarray(end + 4);
        return parse(ended);
      }
      const fields = new Map(lines.slice(1).map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()] as const));
      let rest = received.subarray(end + 4);
      let payload: Buffer;
      if (status === 204 || status === 304) payload = Buffer.alloc(0);
      else if (fields.get("transfer-encoding")?.toLowerCase() === "chunked") {
        const parts: Buffer[] = [];
        for (;;) {
          const eol = rest.indexOf("\r\n");
          if (eol === -1) return null;
          const size = Number.parseInt(rest.subarray(0, eol).toString("latin1"), 16);
          if (!(size >= 0)) throw new Error(`bad chunk size in a reply to ${path}`);
          if (rest.length < eol + 2 + size + 2) return null;
          if (size === 0) break;
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          rest = rest.subarray(eol + 2 + size + 2);
        }
        payload = Buffer.concat(parts);
      } else if (fields.has("content-length")) {
        const length = Number(fields.get("content-length"));
        if (rest.length < length) return null;
        payload = rest.subarray(0, length);
      } else if (ended) payload = rest;
      else return null;
      return { status, location: fields.get("location") ?? null, body: payload.toString("utf8"), ms: performance.now() - started };
    };
    socket.on("data", (chunk: Buffer) => {
      received = received.length ? Buffer.concat([received, chunk]) : chunk;
      try {
        const reply = parse(false);
        if (reply) finish(reply);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on("end", () => {
      try {
        finish(parse(true) ?? new Error(`the connection ended before the whole reply to ${path}`));
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on("error", (error) => finish(error));
    // Closed without an answer, by either side: settled, never left pending.
    socket.on("close", () => finish(new Error(`the connection closed before the whole reply to ${path}`)));
    socket.setTimeout(60_000, () => finish(new Error("timed out after 60 s")));
    socket.write(head + body);
  });
}

export async function httpStorm(
  ctx: { owner: pg.Client; port: number; capacity: number; mode: ClaimMode },
  shiftId: string,
  crowd: Person[],
): Promise<Storm> {
  const { owner, port, capacity, mode } = ctx;
  const origin = `http://127.0.0.1:${port}`;
  const target = mode === "data" ? `/shifts/${shiftId}.data` : `/shifts/${shiftId}`;
  const sockets: net.Socket[] = [];
  const started = performance.now();
  const replies = await Promise.all(
    crowd.map((o) =>
      crowdPost(
        port,
        target,
        { Cookie: o.cookie, Origin: origin, "Content-Type": "application/x-www-form-urlencoded", Accept: mode === "data" ? "*/*" : "text/html" },
        "intent=claim",
        sockets,
      ).catch((error: Error) => ({ status: 0, location: null, body: error.message, ms: performance.now() - started })),
    ),
  );
  const wallMs = performance.now() - started;
  for (const socket of sockets) socket.destroy();
  const result = await outcome(owner, shiftId, crowd.length, capacity);
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  replies.forEach((r, i) => {
    statuses[r.status || "network"] = (statuses[r.status || "network"] ?? 0) + 1;
    // Success is a 2xx or a redirect that is not to the sign-in page, and a row in the database.
    const toLogin = (r.location ?? "").startsWith("/login") || (r.status === 202 && r.body.includes("/login"));
    const ok = r.status >= 200 && r.status < 400 && !toLogin && result.placed.has(crowd[i]!.id);
    if (!ok) {
      errors++;
      const sample = `${r.status || "network"}${toLogin ? " to /login" : ""}: ${r.body.replace(/\s+/g, " ").slice(0, 120)}`;
      if (errorSamples.length < 3 && !errorSamples.includes(sample)) errorSamples.push(sample);
    }
  });
  return {
    n: crowd.length,
    capacity,
    accepted: result.accepted,
    waitlisted: result.waitlisted,
    errors,
    errorSamples,
    statuses,
    ...summarise(replies.map((r) => r.ms), wallMs, crowd.length),
    violations: result.violations,
  };
}

/** Everyone in `crowd` calls claimShift() at the same moment, in this process. */
export async function directStorm(ctx: { owner: pg.Client; capacity: number; claimShift: ClaimShift }, shiftId: string, crowd: Person[]): Promise<Storm> {
  const { owner, capacity, claimShift } = ctx;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    crowd.map(async (o) => {
      const t = performance.now();
      try {
        await claimShift(o.claims, shiftId);
      } catch (error) {
        errors++;
        const sample = error instanceof Error ? error.message : String(error);
        if (errorSamples.length < 3 && !errorSamples.includes(sample)) errorSamples.push(sample);
      }
      latencies.push(performance.now() - t);
    }),
  );
  const wallMs = performance.now() - started;
  const result = await outcome(owner, shiftId, crowd.length, capacity);
  const missing = crowd.filter((o) => !result.placed.has(o.id)).length;
  return {
    n: crowd.length,
    capacity,
    accepted: result.accepted,
    waitlisted: result.waitlisted,
    errors: Math.max(errors, missing),
    errorSamples,
    ...summarise(latencies, wallMs, crowd.length),
    violations: result.violations,
  };
}

export interface ClaimStormResult {
  warmHttp: Storm;
  warmDirect: Storm;
  /** The HTTP round with the median p95 (one round when `rounds` is 1). */
  http: Storm;
  /** The direct round with the median p95. */
  direct: Storm;
  /** Every round, in order: one storm of about a second is a noisy sample on a shared machine. */
  httpRounds: Storm[];
  directRounds: Storm[];
  /** Median HTTP claims/s ÷ median direct claims/s. */
  ratio: number;
  /**
   * CPU milliseconds per claim during the HTTP storms (server and PostgreSQL process trees), when
   * a meter was given: what the storm's throughput is bound by on a small machine, and a figure a
   * busy machine does not distort the way it distorts latencies.
   */
  cpuPerClaim?: {
    serverMs: number | null;
    postgresMs: number | null;
    /** This process in the HTTP storm: the crowd's HTTP clients, the counts read after each round, and the proxy when there is one. */
    httpBenchMs: number | null;
    directPostgresMs: number | null;
    directBenchMs: number | null;
  };
}

/** Hours of shifts one runClaimStorm lays out (10 hours apart): keep the next call's first shift beyond them. */
export const stormSpanHours = (rounds: number) => 10 * (2 + 2 * rounds);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
/** The storm whose p95 is the median p95 of the rounds (the lower middle for an even count). */
const medianStorm = (storms: Storm[]) => [...storms].sort((a, b) => a.p95 - b.p95)[Math.floor((storms.length - 1) / 2)]!;

/**
 * The whole scenario: non-overlapping shifts 10 hours apart (one observer may hold only one of
 * overlapping shifts), a warm-up storm of up to 20 each way, then `rounds` HTTP storms (default 3),
 * `betweenStorms` (the CLI stops the server there), then `rounds` direct storms. The figures are
 * the median round's; every round is kept.
 */
export async function runClaimStorm(ctx: {
  owner: pg.Client;
  port: number;
  zoneId: string;
  crowd: Person[];
  capacity: number;
  mode: ClaimMode;
  claimShift: ClaimShift;
  /** Hours from now of the first shift; the rest follow 10 hours apart (stormSpanHours in all). */
  firstShiftInHours?: number;
  rounds?: number;
  betweenStorms?: () => Promise<void>;
  meter?: CpuMeter;
}): Promise<ClaimStormResult> {
  const { owner, crowd, capacity } = ctx;
  const rounds = Math.max(1, ctx.rounds ?? 3);
  let hours = ctx.firstShiftInHours ?? 20;
  const nextShift = async () => {
    const id = await createShift(owner, ctx.zoneId, hours, capacity);
    hours += 10;
    return id;
  };
  const warmup = crowd.slice(0, Math.min(20, crowd.length));
  const warmHttp = await httpStorm(ctx, await nextShift(), warmup);
  const warmDirect = await directStorm(ctx, await nextShift(), warmup);
  const httpShifts: string[] = [];
  const directShifts: string[] = [];
  for (let r = 0; r < rounds; r++) httpShifts.push(await nextShift());
  for (let r = 0; r < rounds; r++) directShifts.push(await nextShift());
  const before = ctx.meter?.sample();
  const httpRounds: Storm[] = [];
  for (const shift of httpShifts) httpRounds.push(await httpStorm(ctx, shift, crowd));
  const after = ctx.meter?.sample();
  const claims = crowd.length * rounds;
  const perClaim = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : round((b - a) / claims, 2));
  await ctx.betweenStorms?.();
  const beforeDirect = ctx.meter?.sample();
  const directRounds: Storm[] = [];
  for (const shift of directShifts) directRounds.push(await directStorm(ctx, shift, crowd));
  const afterDirect = ctx.meter?.sample();
  const cpuPerClaim =
    before && after && beforeDirect && afterDirect
      ? {
          serverMs: perClaim(before.serverMs, after.serverMs),
          postgresMs: perClaim(before.postgresMs, after.postgresMs),
          httpBenchMs: perClaim(before.benchMs, after.benchMs),
          directPostgresMs: perClaim(beforeDirect.postgresMs, afterDirect.postgresMs),
          directBenchMs: perClaim(beforeDirect.benchMs, afterDirect.benchMs),
        }
      : undefined;
  const ratio = round(median(httpRounds.map((s) => s.claimsPerSecond)) / median(directRounds.map((s) => s.claimsPerSecond)), 3);
  return { warmHttp, warmDirect, http: medianStorm(httpRounds), direct: medianStorm(directRounds), httpRounds, directRounds, ratio, cpuPerClaim };
}
