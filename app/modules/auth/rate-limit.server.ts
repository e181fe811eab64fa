import { sql, withSystem } from "~/db/client.server";
import { keyedHash } from "./crypto.server";

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
  const key = `${limit.bucket}:${keyedHash(subject)}`;
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
  const key = `${slowdown.bucket}:${keyedHash(subject)}`;
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