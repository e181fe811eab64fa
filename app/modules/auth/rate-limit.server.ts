import { sql, withSystem } from "~/db/client.server";
import { keyedHash } from "./crypto.server";

export interface Limit {
  /** What is counted, e.g. "code-email". */
  bucket: string;
  max: number;
  windowSeconds: number;
}

export const LIMITS = {
  codePerEmail: { bucket: "code-email", max: 5, windowSeconds: 15 * 60 },
  /**
   * Per network address, across emails. Generous on purpose: a training night puts 30 to 50 new
   * observers behind one church or library NAT, all asking for a code within minutes. The per-email
   * limits above and below are what stop guessing; these only stop one address spraying codes.
   */
  codePerClient: { bucket: "code-client", max: 60, windowSeconds: 15 * 60 },
  verifyPerClient: { bucket: "verify-client", max: 120, windowSeconds: 15 * 60 },
  /** Wrong or right, across codes: caps guessing at 20 tries an hour per account. */
  verifyPerEmail: { bucket: "verify-email", max: 20, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

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
