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

/** A hard limit: `max` requests in a window, then none until the window ends. */
export interface Limit {
  /** What is counted, e.g. "code-email". */
  bucket: string;
  max: number;
  windowSeconds: number;
}

/**
 * A slowdown: the first `free` requests in the window go through at once; after that each needs a
 * pause since the last one let through, `baseSeconds` doubling up to `maxSeconds`.
 */
export interface Slowdown {
  bucket: string;
  free: number;
  baseSeconds: number;
  maxSeconds: number;
  windowSeconds: number;
}

/**
 * Sign-in limits (security review, finding 6). Each request passes, in this order: a slowdown
 * per (email, client), so whoever hammers an address slows only themselves; a hard limit per
 * client, across emails; and a large hard cap per email, across clients, that one client cannot
 * reach on its own (at most 13 in an hour's window get through one client's slowdown for one email).
 */
export const SIGN_IN_LIMITS = {
  codes: {
    /** 5 at once, then waits of 1, 2, 4, 8 and then 10 minutes: 13 codes in an hour's window at most. */
    perEmailClient: { bucket: "code-email-client", free: 5, baseSeconds: 60, maxSeconds: 600, windowSeconds: 60 * 60 },
    /**
     * Per network address, across emails. Generous on purpose: a training night puts 30 to 50 new
     * observers behind one church or library NAT, all asking for a code within minutes.
     */
    perClient: { bucket: "code-client", max: 60, windowSeconds: 15 * 60 },
    /** Five clients at full speed for a whole hour reach it, or twelve at once. */
    perEmail: { bucket: "code-email", max: 60, windowSeconds: 60 * 60 },
  },
  guesses: {
    /** Wrong or right, across codes: 5 at once (one code's worth), then the same waits as codes. */
    perEmailClient: { bucket: "verify-email-client", free: 5, baseSeconds: 60, maxSeconds: 600, windowSeconds: 60 * 60 },
    perClient: { bucket: "verify-client", max: 120, windowSeconds: 15 * 60 },
    /**
     * What bounds guessing an account from many clients: 40 guesses an hour, a chance of one in
     * 25,000 an hour. Four clients at full speed for a whole hour reach it, or eight at once; a
     * larger cap would be harder to reach and easier to guess past.
     */
    perEmail: { bucket: "verify-email", max: 40, windowSeconds: 60 * 60 },
  },
} satisfies Record<string, { perEmailClient: Slowdown; perClient: Limit; perEmail: Limit }>;

export type Refusal = "errors.slowDown" | "errors.rateLimited";

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal);
  }
}

const windowOf = (windowSeconds: number, at: Date) =>
  sql`date_bin(${`${windowSeconds} seconds`}::interval, ${at}::timestamptz, timestamptz '2000-01-01')`;

/**
 * Lets one request through `slowdown` for `pair` and then each of `limits` for its subject, or
 * says why not. A refused request counts nowhere: a "slow down" spends none of the hard limits, so
 * a person who tries again after waiting never walls themselves in, and a client over its own
 * limit adds nothing to an email's cap. Counters live in Postgres so every app instance shares
 * them; subjects are stored only as keyed hashes. The time is the app's clock, the one that also
 * names the pepper's day (instances differ by seconds at most; tests move it).
 */
export async function admit(slowdown: Slowdown, pair: string, limits: Array<[Limit, string]>): Promise<Refusal | null> {
  const at = new Date();
  const pairKey = await counterKey(slowdown.bucket, pair);
  const limitKeys = await Promise.all(limits.map(([limit, subject]) => counterKey(limit.bucket, subject)));
  // Counters outlive their window by at most a day: nothing client-derived is kept for long.
  await withSystem((trx) =>
    trx.deleteFrom("private.rate_limits").where("window_start", "<", sql<Date>`${at}::timestamptz - interval '1 day'`).execute(),
  );
  try {
    await withSystem(async (trx) => {
      // A request made too early updates nothing; the conflicting row stays locked to the end, so
      // two requests at once cannot both take the last free place.
      const slowed = await sql`
        insert into private.rate_limits as r (key, window_start, hits, last_at)
        values (${pairKey}, ${windowOf(slowdown.windowSeconds, at)}, 1, ${at}::timestamptz)
        on conflict (key, window_start) do update set hits = r.hits + 1, last_at = excluded.last_at
          where r.hits < ${slowdown.free}
             or r.last_at is null -- counted by a hard limit of the same name, before slowdowns
             or r.last_at <= excluded.last_at - make_interval(secs => least(${slowdown.maxSeconds}, ${slowdown.baseSeconds} * power(2, r.hits - ${slowdown.free})))
        returning hits`.execute(trx);
      if (!slowed.rows.length) throw new Refused("errors.slowDown");
      for (const [i, [limit]] of limits.entries()) {
        const counted = await sql`
          insert into private.rate_limits as r (key, window_start, hits)
          values (${limitKeys[i]}, ${windowOf(limit.windowSeconds, at)}, 1)
          on conflict (key, window_start) do update set hits = r.hits + 1 where r.hits < ${limit.max}
          returning hits`.execute(trx);
        // Thrown, so the transaction takes back what this request already counted.
        if (!counted.rows.length) throw new Refused("errors.rateLimited");
      }
    });
    return null;
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
}
