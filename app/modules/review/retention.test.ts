import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { fileStore } from "~/integrations/file-store.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createCast } from "../../../tests/setup/personas";
import {
  addSealedAddendum,
  addTestMedia,
  addTestNote,
  closeTestReport,
  createTestReport,
  registerTestKey,
  triage,
  type TestKey,
  type TestReportOptions,
} from "../../../tests/setup/reports";
import { verifyAuditChain } from "./audit.server";
import { runRetentionOnce } from "./retention.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let key: TestKey;

beforeAll(async () => {
  cast = await createCast();
  key = await registerTestKey(cast.attorney_luis);
  expect((await withSystem((trx) => trx.selectFrom("org_settings").select("retention_days").executeTakeFirstOrThrow())).retention_days).toBe(365);
});

/** A report with everything retention deletes: sealed details, a photo, a note, sealed addenda and a shared envelope. */
async function fullReport(options: TestReportOptions = {}) {
  const report = await createTestReport(cast.observer_ana, { sealedTo: [key.recipient], ...options });
  const media = await addTestMedia(report.id, cast.observer_ana, [key.recipient]);
  const note = await addTestNote(cast.attorney_luis, report.id, [key.recipient]);
  const sealedOnly = await addSealedAddendum(cast.observer_ana, report.id, [key.recipient]);
  const withText = await addSealedAddendum(cast.observer_ana, report.id, [key.recipient], "The van was white.");
  await withSystem((trx) =>
    trx
      .insertInto("key_shares")
      .values({ report_id: report.id, box: "media", box_id: media.id, key_id: key.keyId, envelope: JSON.stringify({ keyId: key.keyId }) })
      .execute(),
  );
  return { ...report, media, note, sealedOnly, withText };
}

async function state(id: string) {
  const report = await withSystem((trx) =>
    trx
      .selectFrom("reports")
      .select(["sealed", "sealed_detained", "sealed_witnesses", "location", "location_accuracy_m", "purged_at", "narrative", "status", "cross_streets"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow(),
  );
  const count = (table: "report_media" | "report_notes" | "key_shares") =>
    withSystem((trx) => trx.selectFrom(table).select((eb) => eb.fn.countAll<string>().as("n")).where("report_id", "=", id).executeTakeFirstOrThrow()).then((r) => Number(r.n));
  const addenda = await withSystem((trx) => trx.selectFrom("report_addenda").select(["id", "body", "sealed"]).where("report_id", "=", id).orderBy("created_at").execute());
  const purgedEvents = await withSystem((trx) =>
    sql<{ actor_id: string | null; details: Record<string, unknown> }>`select actor_id, details from public.audit_events where report_id = ${id}::uuid and event = 'purged'`.execute(trx),
  );
  return { report, media: await count("report_media"), notes: await count("report_notes"), shares: await count("key_shares"), addenda, purged: purgedEvents.rows };
}

const days = async (id: string, closedDaysAgo: number) => closeTestReport(cast.attorney_luis, id, closedDaysAgo);

describe("retention", () => {
  it("purges a closed case past the period: sealed details, media (and the file), notes, sealed addenda; coarsens the location", async () => {
    const due = await fullReport();
    await days(due.id, 400);
    expect(await fileStore().get(due.media.storageKey)).not.toBeNull();
    const before = await state(due.id);
    expect(before).toMatchObject({ media: 1, notes: 1, shares: 1 });

    const result = await runRetentionOnce();
    expect(result).toEqual({ ran: true, reports: [due.id], dispatchesCoarsened: 0, filesDeleted: 1, filesFailed: 0 });

    const after = await state(due.id);
    expect(after.report).toMatchObject({ sealed: null, sealed_detained: 0, sealed_witnesses: 0, location_accuracy_m: 1000, status: "closed" });
    expect(after.report.location).toEqual({ type: "Point", coordinates: [-87.7, 41.81] });
    expect(after.report.purged_at).toBeInstanceOf(Date);
    // P0/P1 that is not sealed stays: the case remains countable and readable
    expect(after.report.narrative).toBe(before.report.narrative);
    expect({ media: after.media, notes: after.notes, shares: after.shares }).toEqual({ media: 0, notes: 0, shares: 0 });
    expect(after.addenda).toEqual([{ id: due.withText, body: "The van was white.", sealed: null }]);
    expect(await fileStore().get(due.media.storageKey)).toBeNull();
    expect(after.purged).toEqual([{ actor_id: null, details: { media: 1, notes: 1, addenda: 2, retention_days: 365 } }]);
    expect(await withSystem((trx) => verifyAuditChain(trx))).toMatchObject({ ok: true });
  });

  it("leaves alone a case on legal hold, one closed recently, and one still open however old", async () => {
    const held = await fullReport();
    await days(held.id, 400);
    await withUser(cast.attorney_luis.claims, (trx) => sql`select private.set_legal_hold(${held.id}::uuid, true, 'Litigation')`.execute(trx));
    const recent = await fullReport();
    await days(recent.id, 300);
    const open = await fullReport();
    await triage(cast.attorney_luis, open.id, { status: "in_review" });
    await withSystem((trx) => trx.updateTable("reports").set({ occurred_at: sql`now() - interval '3 years'`, submitted_at: sql`now() - interval '3 years'` }).where("id", "=", open.id).execute());

    const before = await Promise.all([held, recent, open].map((r) => state(r.id)));
    expect(await runRetentionOnce()).toEqual({ ran: true, reports: [], dispatchesCoarsened: 0, filesDeleted: 0, filesFailed: 0 });
    expect(await Promise.all([held, recent, open].map((r) => state(r.id)))).toEqual(before);
    for (const r of [held, recent, open]) expect(await fileStore().get(r.media.storageKey)).not.toBeNull();

    // lifting the hold lets the next run purge it
    await withUser(cast.attorney_luis.claims, (trx) => sql`select private.set_legal_hold(${held.id}::uuid, false, '')`.execute(trx));
    expect((await runRetentionOnce()).reports).toEqual([held.id]);
  });

  it("is idempotent: a second run purges nothing and logs nothing", async () => {
    const due = await fullReport();
    await days(due.id, 500);
    expect((await runRetentionOnce()).reports).toEqual([due.id]);
    const first = await state(due.id);
    expect(await runRetentionOnce()).toEqual({ ran: true, reports: [], dispatchesCoarsened: 0, filesDeleted: 0, filesFailed: 0 });
    const second = await state(due.id);
    expect(second).toEqual(first);
    expect(second.purged).toHaveLength(1);
  });

  it("follows the retention period in the settings, and leaves accuracy that was already coarser and a missing location as they were", async () => {
    await withSystem((trx) => trx.updateTable("org_settings").set({ retention_days: 30 }).execute());
    try {
      const due = await fullReport({ accuracy: 5000 });
      await days(due.id, 31);
      const notYet = await fullReport();
      await days(notYet.id, 29);
      const noPoint = await fullReport({ point: null });
      await days(noPoint.id, 45);
      const { reports } = await runRetentionOnce();
      // (the case closed 300 days ago in an earlier test is now due as well)
      expect(reports).toEqual(expect.arrayContaining([due.id, noPoint.id]));
      expect(reports).not.toContain(notYet.id);
      expect((await state(due.id)).report.location_accuracy_m).toBe(5000);
      expect((await state(noPoint.id)).report).toMatchObject({ location: null, location_accuracy_m: null });
      expect((await state(notYet.id)).report.purged_at).toBeNull();
      expect((await state(due.id)).purged[0]!.details).toMatchObject({ retention_days: 30 });
    } finally {
      await withSystem((trx) => trx.updateTable("org_settings").set({ retention_days: 365 }).execute());
    }
  });

  it("keeps a file another report still points at", async () => {
    const due = await fullReport();
    const other = await createTestReport(cast.observer_ana);
    await withSystem((trx) =>
      sql`insert into public.report_media (report_id, uploaded_by, sha256, content_type, size_bytes, sealed, storage_key, nonce)
          select ${other.id}::uuid, uploaded_by, sha256, content_type, size_bytes, sealed, storage_key, nonce from public.report_media where id = ${due.media.id}::uuid`.execute(trx),
    );
    await days(due.id, 400);
    expect(await runRetentionOnce()).toEqual({ ran: true, reports: [due.id], dispatchesCoarsened: 0, filesDeleted: 0, filesFailed: 0 });
    expect(await fileStore().get(due.media.storageKey)).not.toBeNull();
  });

  it("concurrent runs purge each report exactly once", async () => {
    const due = await Promise.all(Array.from({ length: 12 }, () => fullReport()));
    for (const r of due) await days(r.id, 400);
    const seen: string[] = [];
    let files = 0;
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all(Array.from({ length: 4 }, () => runRetentionOnce({ limit: 2 })));
      for (const r of results) {
        seen.push(...r.reports);
        files += r.filesDeleted;
      }
    }
    expect(seen.sort()).toEqual(due.map((r) => r.id).sort());
    expect(files).toBe(12);
    for (const r of due) {
      expect((await state(r.id)).purged).toHaveLength(1);
      expect(await fileStore().get(r.media.storageKey)).toBeNull();
    }
    expect(await withSystem((trx) => verifyAuditChain(trx))).toMatchObject({ ok: true });
  });

  it("the job runner purges once per run, and skips while another instance holds the retention lock", async () => {
    const due = await fullReport();
    await days(due.id, 400);
    const skipped = await withSystem(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('testigo.purge_due_reports'))`.execute(trx);
      return runRetentionOnce({ exclusive: true });
    });
    expect(skipped).toEqual({ ran: false, reports: [], dispatchesCoarsened: 0, filesDeleted: 0, filesFailed: 0 });
    expect((await state(due.id)).report.purged_at).toBeNull();

    await runJobsOnce();
    expect((await state(due.id)).purged).toHaveLength(1);
    expect(await fileStore().get(due.media.storageKey)).toBeNull();
  });
});
