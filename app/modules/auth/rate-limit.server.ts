import { createHmac, randomBytes } from "node:crypto";
import { sql, withSystem } from "~/db/client.server";

/**
 * Counters are keyed by an HMAC under the day's pepper (security review, finding 10): shared by
 * every instance through private.counter_peppers, one per UTC day, and deleted when its day is
 * over, so no stored key outlives the secret that could link it back to an address or an email.
 */
let pepper: { day: string; key: Buffer } | null = null;

const utcDay = (at = new Date()) => at.toISOString().slice(0, 10);

async function todaysPepper(): Promise<Buffer> {
  const day = utcDay();
  if (pepper?.day === day) return pepper.key;
  const key = await withSystem(async (trx) => {
    await trx.deleteFrom("private.counter_peppers").where("day", "<", sql<string>`${day}::date`).execute();
    await trx.insertInto("private.counter_peppers").values({ day, pepper: randomBytes(32) }).onConflict((oc) => oc.column("day").doNothing()).execute();
    const row = await trx.selectFrom("private.counter_peppers").select("pepper").where("day", "=", sql<string>`${day}::date`).executeTakeFirstOrThrow();
    return Buffer.from(row.pepper);
  });
  // The old day's pepper goes from this instance's memory as well.
  pepper?.key.fill(0);
  pepper = { day, key };
  return key;
}

/** The stored key of a counter for `subject` (an email, or a client key) today. */
export async function counterKey(bucket: string, subject: string): Promise<string> {
  return `${bucket}:${createHmac("sha256", await todaysPepper()).update(subject).digest("hex")}`;
}

export interface Limit {
  /** What is counted, e.g. "code-email". */
  bucket: string;
  max: number;
  windowSeconds: number;
}

export const LIMITS = {
  /** One client asking codes for one email: a stranger's flood stays the stranger's. */
  codePerEmailClient: { bucket: "code-email-client", max: 5, windowSeconds: 15 * 60 },
  /**
   * Per network address, across emails. Generous on purpose: a training night puts 30 to 50 new
   * observers behind one church or library NAT, all asking for a code within minutes. The per-email
   * limits above and below are what stop guessing; these only stop one address spraying codes.
   */
  codePerClient: { bucket: "code-client", max: 60, windowSeconds: 15 * 60 },
  verifyPerClient: { bucket: "verify-client", max: 120, windowSeconds: 15 * 60 },
  /** Wrong or right, across codes, from one client: 20 tries an hour. */
  verifyPerEmailClient: { bucket: "verify-email-client", max: 20, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

/**
 * Per email, whoever asks: the first `free` requests in the window go through at once; after
 * that each needs a pause since the last one let through, `baseSeconds` doubling up to
 * `maxSeconds`. A request made too early is refused and not counted, so a stranger hammering an
 * address cannot push its wait further out: the person waits minutes at worst, never a window.
 */
export interface Slowdown {
  bucket: string;
  free: number;
  baseSeconds: number;
  maxSeconds: number;
  windowSeconds: number;
}

export const SLOWDOWNS = {
  codePerEmail: { bucket: "code-email", free: 5, baseSeconds: 30, maxSeconds: 300, windowSeconds: 60 * 60 },
  /** Across clients and codes: with 5 tries per code, guessing stays near 20 tries an hour per account. */
  verifyPerEmail: { bucket: "verify-email", free: 20, baseSeconds: 60, maxSeconds: 300, windowSeconds: 60 * 60 },
} satisfies Record<string, Slowdown>;

/**
 * Counts one hit for `subject` (an email or a client key) and tells whether it is over the limit.
 * Counters live in Postgres so every app instance shares them; subjects are stored only as keyed hashes.
 */
export async function hitRateLimit(limit: Limit, subject: string): Promise<boolean> {
  const key = await counterKey(limit.bucket, subject);
  const interval = `${limit.windowSeconds} seconds`;
  const row = await withSystem(async (trx) => {
    // Counters outlive their window by at most a day: nothing client-derived is kept for long.
    await trx.deleteFrom("private.rate_limits").where("window_start", "<", sql<Date>`now() - interval '1 day'`).execute();
    return trx
      .insertInto("private.rate_limits")
      .values({ key, window_start: sql`date_bin(${interval}::interval, now(), timestamptz '2000-01-01')`, hits: 1 })
      .onConflict((oc) => oc.columns(["key", "window_start"]).doUpdateSet({ hits: sql`private.rate_limits.hits + 1` }))
      .returning("hits")
      .executeTakeFirstOrThrow();
  });
  return row.hits > limit.max;
}

/** Lets a request for `subject` through under `slowdown`, counting it; false (not counted) when it came too early. */
export async function passSlowdown(slowdown: Slowdown, subject: string): Promise<boolean> {
  const key = await counterKey(slowdown.bucket, subject);
  const interval = `${slowdown.windowSeconds} seconds`;
  const { rows } = await withSystem(async (trx) => {
    await trx.deleteFrom("private.rate_limits").where("window_start", "<", sql<Date>`now() - interval '1 day'`).execute();
    return sql<{ hits: number }>`
      insert into private.rate_limits as r (key, window_start, hits, last_at)
      values (${key}, date_bin(${interval}::interval, now(), timestamptz '2000-01-01'), 1, now())
      on conflict (key, window_start) do update set hits = r.hits + 1, last_at = now()
        where r.hits < ${slowdown.free}
           or r.last_at is null
           or r.last_at <= now() - make_interval(secs => least(${slowdown.maxSeconds}, ${slowdown.baseSeconds} * power(2, r.hits - ${slowdown.free})))
      returning hits`.execute(trx);
  });
  return rows.length > 0;
}