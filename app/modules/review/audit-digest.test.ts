import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { readOutbox } from "~/integrations/mail.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";
import { enqueueAuditDigests } from "./audit-digest.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  reportId = (await createTestReport(cast.observer_ana)).id;
});

const view = () => withUser(cast.attorney_luis.claims, (trx) => sql`select private.record_report_access(${reportId}::uuid, 'viewed')`.execute(trx));
const head = async () => (await withSystem((trx) => sql<{ seq: string; hash: string }>`select seq::text as seq, hash from private.audit_head`.execute(trx))).rows[0]!;
const digestsTo = (email: string) => readOutbox().filter((m) => m.to === email && m.subject.startsWith("Testigo audit log"));
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000);

describe("the audit log's head, emailed to attorneys once a day when it moved (security review, finding 13)", () => {
  it("sends each active attorney the head, once a day, and again only after the log moved", async () => {
    const gone = await createPersona(`digest_gone_${Date.now().toString(36)}`, ["attorney"]);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());
    await view();
    const first = await head();
    await enqueueAuditDigests(day(0));
    await runJobsOnce();
    const mails = digestsTo(cast.attorney_luis.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(first.hash.match(/.{1,16}/g)!.join(" "));
    expect(mails[0]!.text).toContain(`event ${first.seq}`);
    expect(mails[0]!.text).toContain(`npm run audit:verify -- --head ${first.hash}`);
    expect(digestsTo(gone.email)).toEqual([]);
    // The same day again, and the next day with nothing new: nothing more.
    expect(await enqueueAuditDigests(day(0))).toBe(0);
    expect(await enqueueAuditDigests(day(1))).toBe(0);
    // The log moves: the next day's digest names the new head.
    await view();
    const second = await head();
    expect(await enqueueAuditDigests(day(1))).toBeGreaterThanOrEqual(1);
    await runJobsOnce();
    const after = digestsTo(cast.attorney_luis.email);
    expect(after).toHaveLength(2);
    expect(after.some((m) => m.text.includes(`event ${second.seq}`))).toBe(true);
  });
});
