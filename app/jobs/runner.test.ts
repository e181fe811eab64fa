import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { sql, withSystem } from "~/db/client.server";
import { registerJobKind, registerMailJob, runJobsOnce } from "./runner.server";

// A kind of job a future module could bring (push notifications): registered here, the runner unchanged.
const sent: string[] = [];
const send = vi.fn(async (message: { token: string; text: string }) => {
  sent.push(`${message.token}: ${message.text}`);
});
registerJobKind({
  kind: "test_push",
  payload: z.object({ token: z.string(), text: z.string(), stale: z.boolean().optional() }),
  build: async (_trx, p) => (p.stale ? null : { token: p.token, text: p.text }),
  send,
});

async function enqueue(key: string, payload: object, kind = "test_push") {
  await withSystem((trx) => sql`select private.enqueue_job(${kind}, ${key}, ${JSON.stringify(payload)}::jsonb)`.execute(trx));
}
const jobOf = (key: string) =>
  withSystem((trx) => trx.selectFrom("private.jobs").select(["attempts", "done_at", "last_error"]).where("dedupe_key", "=", key).executeTakeFirstOrThrow());

describe("the job registry", () => {
  it("runs a registered kind: sent, skipped when no longer due, retried when sending fails", async () => {
    await enqueue("push:1", { token: "t1", text: "hello" });
    await enqueue("push:2", { token: "t2", text: "old", stale: true });
    await runJobsOnce();
    expect(sent).toEqual(["t1: hello"]);
    expect(await jobOf("push:1")).toMatchObject({ attempts: 1, last_error: null });
    expect((await jobOf("push:2")).done_at).not.toBeNull();

    send.mockRejectedValueOnce(Object.assign(new Error("gateway down"), { code: "EPUSH" }));
    await enqueue("push:3", { token: "t3", text: "again" });
    await runJobsOnce();
    expect(await jobOf("push:3")).toMatchObject({ attempts: 1, done_at: null, last_error: "Error: EPUSH" });
  });

  it("gives up at once on a kind no module registered, or a payload that does not parse", async () => {
    await enqueue("nobody:1", {}, "test_unregistered");
    await enqueue("push:bad", { token: 1 });
    await runJobsOnce();
    for (const key of ["nobody:1", "push:bad"]) {
      const job = await jobOf(key);
      expect(job).toMatchObject({ attempts: 1, last_error: "InvalidJob" });
      expect(job.done_at).not.toBeNull();
    }
  });

  it("refuses a kind registered twice", () => {
    expect(() => registerMailJob("test_push", z.object({}), async () => null)).toThrow("registered twice");
  });
});
