import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { withSystem } from "~/db/client.server";
import { env } from "~/utils/env.server";
import { counterKey, hitRateLimit } from "./rate-limit.server";

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
    await hitRateLimit({ bucket: "code-client", max: 5, windowSeconds: 60 }, subject);
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
