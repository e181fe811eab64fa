import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { withSystem } from "~/db/client.server";
import { env } from "~/utils/env.server";
import { startAppClock } from "../../../tests/setup/clock";
import { admit, counterKey, type Limit, type Slowdown } from "./rate-limit.server";

const peppers = () =>
  withSystem((trx) => trx.selectFrom("private.counter_peppers").select(["day", "pepper"]).execute()).then((rows) =>
    rows.map((r) => ({ day: String(r.day), bytes: Buffer.from(r.pepper).length })),
  );

afterEach(() => vi.useRealTimers());

describe("rate-limit counters are keyed with a daily pepper (security review, finding 10)", () => {
  it("no stored key can be recomputed from the session secret, and the key is the same all day", async () => {
    const subject = "client-203.0.113.9";
    const key = await counterKey("code-client", subject);
    expect(await counterKey("code-client", subject)).toBe(key);
    const withSecret = `code-client:${createHmac("sha256", env().SESSION_SECRET).update(subject).digest("hex")}`;
    expect(key).not.toBe(withSecret);
    await admit({ bucket: "test-pair", free: 1, baseSeconds: 60, maxSeconds: 60, windowSeconds: 60 }, "pair", [
      [{ bucket: "code-client", max: 5, windowSeconds: 60 }, subject],
    ]);
    const stored = await withSystem((trx) => trx.selectFrom("private.rate_limits").select("key").where("key", "like", "code-client:%").execute());
    expect(stored.map((r) => r.key)).toContain(key);
    expect(stored.map((r) => r.key)).not.toContain(withSecret);
    const today = new Date().toISOString().slice(0, 10);
    expect(await peppers()).toEqual([{ day: today, bytes: 32 }]);
  });

  it("a new day brings a new pepper, and the old day's is deleted", async () => {
    const subject = "client-198.51.100.7";
    const before = await counterKey("code-client", subject);
    vi.useFakeTimers({ toFake: ["Date"] });
    const tomorrow = new Date(Date.now() + 86_400_000);
    vi.setSystemTime(tomorrow);
    const after = await counterKey("code-client", subject);
    expect(after).not.toBe(before);
    // The database's clock is not faked: the row is named by the app's day, and only it remains.
    expect(await peppers()).toEqual([{ day: tomorrow.toISOString().slice(0, 10), bytes: 32 }]);
  });
});

describe("admitting a request", () => {
  let n = 0;
  const fresh = (what: string) => `${what}-${++n}-${Math.random()}`;
  const slowdown: Slowdown = { bucket: "test-slow", free: 2, baseSeconds: 60, maxSeconds: 240, windowSeconds: 60 * 60 };
  const limit = (max: number): Limit => ({ bucket: `test-hard-${max}`, max, windowSeconds: 60 * 60 });

  it("slows down after the free requests, the wait doubling up to its longest", async () => {
    const at = startAppClock();
    const pair = fresh("pair");
    const answers: Array<[number, string | null]> = [];
    for (const second of [0, 0, 0, 59, 60, 60, 179, 180, 419, 420, 659, 660]) {
      at(second);
      answers.push([second, await admit(slowdown, pair, [])]);
    }
    expect(answers).toEqual([
      [0, null],
      [0, null],
      [0, "errors.slowDown"],
      [59, "errors.slowDown"],
      [60, null],
      [60, "errors.slowDown"],
      [179, "errors.slowDown"],
      [180, null],
      [419, "errors.slowDown"],
      [420, null],
      // The longest wait is 4 minutes, however many came before.
      [659, "errors.slowDown"],
      [660, null],
    ]);
  });

  it("a request told to slow down spends no hard limit", async () => {
    startAppClock();
    const pair = fresh("pair");
    const shared = fresh("shared");
    for (let i = 0; i < 10; i++) await admit(slowdown, pair, [[limit(3), shared]]);
    // Two were let through; the eight refused ones left the hard limit's last place free.
    expect(await admit(slowdown, fresh("pair"), [[limit(3), shared]])).toBeNull();
    expect(await admit(slowdown, fresh("pair"), [[limit(3), shared]])).toBe("errors.rateLimited");
  });

  it("a request refused by one hard limit counts towards none", async () => {
    startAppClock();
    const client = fresh("client");
    const email = fresh("email");
    expect(await admit(slowdown, fresh("pair"), [[limit(1), client], [limit(2), email]])).toBeNull();
    // The client is over its limit of one: its next requests add nothing to the email's cap of two.
    for (let i = 0; i < 5; i++) expect(await admit(slowdown, fresh("pair"), [[limit(1), client], [limit(2), email]])).toBe("errors.rateLimited");
    expect(await admit(slowdown, fresh("pair"), [[limit(1), fresh("client")], [limit(2), email]])).toBeNull();
    expect(await admit(slowdown, fresh("pair"), [[limit(1), fresh("client")], [limit(2), email]])).toBe("errors.rateLimited");
    // Nor did the refused requests use up their pairs' free places: the same pair is let through again.
    const pair = fresh("pair");
    expect(await admit(slowdown, pair, [[limit(1), client]])).toBe("errors.rateLimited");
    expect(await admit(slowdown, pair, [])).toBeNull();
    expect(await admit(slowdown, pair, [])).toBeNull();
    expect(await admit(slowdown, pair, [])).toBe("errors.slowDown");
  });

  it("the same pair asked twice at once gets its last free place once", async () => {
    startAppClock();
    const pair = fresh("pair");
    await admit(slowdown, pair, []);
    const answers = await Promise.all([admit(slowdown, pair, []), admit(slowdown, pair, []), admit(slowdown, pair, [])]);
    expect(answers.filter((a) => a === null)).toHaveLength(1);
  });
});
