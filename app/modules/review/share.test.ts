import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Claims } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { generateKeyPair, sealJson, toB64u, wrapPrivateKey } from "~/integrations/sealing";
import { mediaAad } from "~/modules/reports/media";
import { attachPlainMedia } from "~/modules/reports/media.server";
import { myWrappedKey, registerAttorneyKey, registerRecoveryKey } from "~/modules/reports/keys.server";
import { addendumAad, SealedAddendumSchema } from "~/modules/reports/addenda";
import { addSealedAddendum, submitReport } from "~/modules/reports/reports.server";
import { ReportSchema } from "~/modules/reports/schema";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { lockKeyring, openSealedJson, shareEnvelope, unlockedKeyIds, unlockWithPassphrase, unlockWithRecoveryFile } from "./keyring";
import { accessGaps, boxesMissingKey, currentRecoveryKey, nextShareBatch, SHARE_BATCH, shareAccess } from "./share.server";

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const REPORTS = 104;
// More than a batch of old reports the sharing attorney cannot open: batches must look past them.
const RECOVERY_ONLY = SHARE_BATCH + 5;
// Sealed details the observer added after sending (ADR 023): boxes like any other.
const ADDENDA = 3;
const CANARY = "CANARY-detained-person";

let cast: Awaited<ReturnType<typeof createCast>>;
let rosa: Persona;
const luisKey = generateKeyPair();
const rosaKey = generateKeyPair();
const recoveryKey = generateKeyPair();
let luisKeyId: string;
let rosaKeyId: string;
let recoveryKeyId: string;
const recoveryOnly: string[] = [];
const reportIds: string[] = [];

const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...Buffer.from(`photo-${n}-${"x".repeat(500)}`), 0xff, 0xd9]);
const recoveryFile = () => JSON.stringify({ kind: "testigo-recovery-key", v: 1, fingerprint: "x", publicKey: toB64u(recoveryKey.publicKey), privateKey: toB64u(recoveryKey.privateKey) });

async function registerKey(persona: Persona, pair: ReturnType<typeof generateKeyPair>, passphrase: string) {
  const wrapped = await wrapPrivateKey(pair.privateKey, passphrase, FAST);
  await registerAttorneyKey(persona.claims, toB64u(pair.publicKey), JSON.stringify(wrapped));
  return (await myWrappedKey(persona.claims))!;
}

async function unlockAs(persona: Persona, passphrase: string) {
  lockKeyring();
  const { rows } = await withUser(persona.claims, (trx) =>
    sql<{ id: string; public_key: string; wrapped_private_key: unknown }>`select * from private.my_wrapped_key()`.execute(trx),
  );
  await unlockWithPassphrase(
    rows.map((r) => ({ id: r.id, publicKey: r.public_key, wrapped: r.wrapped_private_key })),
    passphrase,
  );
}

/** What the page does in the browser: batches until none is left, or only ones these keys cannot open. */
async function shareAll(claims: Claims, target: { keyId: string; publicKey: string }) {
  const failed = new Set<string>();
  let rounds = 0;
  let shared = 0;
  for (;;) {
    const batch = await nextShareBatch(claims, target.keyId, unlockedKeyIds());
    expect(batch.boxes.length).toBeLessThanOrEqual(SHARE_BATCH);
    const shares = [];
    for (const item of batch.boxes) {
      try {
        shares.push({ box: item.box, boxId: item.boxId, envelope: shareEnvelope(item.sealed, item.shares, target) });
      } catch {
        failed.add(`${item.box}:${item.boxId}`);
      }
    }
    if (!shares.length) return { rounds, shared, unopenable: batch.unopenable + failed.size, complete: batch.complete, missing: batch.missing };
    shared += await shareAccess(claims, target.keyId, shares);
    rounds += 1;
  }
}

/** Every sealed box, opened (or not) with the keys unlocked now, as `persona` reads them. */
async function openEverything(persona: Persona) {
  const rows = await withUser(persona.claims, async (trx) => ({
    reports: await trx.selectFrom("reports").select(["id", "client_uuid", "sealed"]).where("sealed", "is not", null).execute(),
    media: await trx.selectFrom("report_media").select(["id", "report_id", "sha256", "aad_v", "sealed"]).execute(),
    notes: await trx.selectFrom("report_notes").select(["id", "report_id", "sealed"]).execute(),
    addenda: await trx.selectFrom("report_addenda").select(["id", "report_id", "sealed"]).where("sealed", "is not", null).execute(),
    shares: await trx.selectFrom("key_shares").select(["box", "box_id", "envelope"]).execute(),
  }));
  const sharesOf = (box: string, id: string) => rows.shares.filter((s) => s.box === box && s.box_id === id).map((s) => s.envelope);
  const closed: string[] = [];
  const values: unknown[] = [];
  const attempt = (box: string, id: string, sealed: unknown, aad: string) => {
    try {
      values.push(openSealedJson(sealed, sharesOf(box, id), aad));
    } catch {
      closed.push(`${box}:${id}`);
    }
  };
  for (const r of rows.reports) attempt("report", r.id, r.sealed, r.client_uuid);
  for (const m of rows.media) attempt("media", m.id, m.sealed, mediaAad(m.report_id, { id: m.id, aadV: m.aad_v, sha256: m.sha256 }));
  for (const n of rows.notes) attempt("note", n.id, n.sealed, `${n.report_id}:note`);
  for (const a of rows.addenda) attempt("addendum", a.id, a.sealed, addendumAad(a.report_id, a.id));
  return { total: rows.reports.length + rows.media.length + rows.notes.length + rows.addenda.length, closed, values };
}

const gapOf = async (claims: Claims, keyId: string) => (await accessGaps(claims)).find((g) => g.keyId === keyId)?.missing;

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, key: error.messageKey };
    throw error;
  }
  throw new Error("expected a DomainError");
}

beforeAll(async () => {
  cast = await createCast();
  rosa = await createPersona("attorney_rosa", ["attorney"]);
  luisKeyId = (await registerKey(cast.attorney_luis, luisKey, "luis passphrase")).id;
  await registerRecoveryKey(cast.admin_alma.claims, toB64u(recoveryKey.publicKey));
  recoveryKeyId = (await currentRecoveryKey(cast.admin_alma.claims))!.id;

  // The oldest reports were sealed in a browser to the recovery key only: Luis cannot open them.
  for (let i = 0; i < RECOVERY_ONLY; i++) {
    const clientUuid = crypto.randomUUID();
    const { sealed, contentKey } = sealJson({ v: 1, detained: [{ name: CANARY }], witnesses: [] }, [{ keyId: recoveryKeyId, publicKey: recoveryKey.publicKey }], clientUuid);
    contentKey.fill(0);
    const input = ReportSchema.parse({ clientUuid, occurredAt: "2026-11-20T09:00", crossStreets: "Oldest", sealed: JSON.stringify(sealed), sealedDetained: "1" });
    recoveryOnly.push((await submitReport(cast.observer_ana.claims, input, "America/Chicago")).id);
  }

  // Then many reports sealed (on receipt) to Luis and the recovery key, a few without P2 at all.
  for (let i = 0; i < REPORTS; i++) {
    const input = ReportSchema.parse({ clientUuid: crypto.randomUUID(), occurredAt: "2026-11-20T10:00", crossStreets: `Street ${i}`, detained: [{ name: `${CANARY}-${i}` }] });
    reportIds.push((await submitReport(cast.observer_ana.claims, input, "America/Chicago")).id);
  }
  await submitReport(cast.observer_ana.claims, ReportSchema.parse({ clientUuid: crypto.randomUUID(), occurredAt: "2026-11-20T11:00", crossStreets: "No P2" }), "America/Chicago");
  for (let i = 0; i < 3; i++) {
    await attachPlainMedia(cast.observer_ana.claims, reportIds[i]!, new File([jpeg(i)], `IMG_${i}.jpg`, { type: "image/jpeg" }));
  }
  // Luis's sealed internal notes.
  for (let i = 0; i < 3; i++) {
    const reportId = reportIds[i]!;
    const { sealed: note, contentKey: noteKey } = sealJson(
      { note: `note ${i}` },
      [
        { keyId: luisKeyId, publicKey: luisKey.publicKey },
        { keyId: recoveryKeyId, publicKey: recoveryKey.publicKey },
      ],
      `${reportId}:note`,
    );
    noteKey.fill(0);
    await withUser(cast.attorney_luis.claims, (trx) =>
      trx.insertInto("report_notes").values({ report_id: reportId, author_id: cast.attorney_luis.id, sealed: JSON.stringify(note) }).execute(),
    );
  }

  // Detained people the observer added later, sealed on receipt (ADR 023).
  for (let i = 0; i < ADDENDA; i++) {
    const input = SealedAddendumSchema.parse({ addendumId: crypto.randomUUID(), detained: [{ name: `${CANARY}-added-${i}` }] });
    await addSealedAddendum(cast.observer_ana.claims, reportIds[i]!, input);
  }

  // Rosa joins later: nothing so far was sealed to her key.
  rosaKeyId = (await registerKey(rosa, rosaKey, "rosa passphrase")).id;
}, 120_000);

const boxes = REPORTS + RECOVERY_ONLY + 3 + 3 + ADDENDA;

describe("share access", () => {
  it("counts what each key cannot open, for attorneys and admins only", async () => {
    const gaps = await accessGaps(cast.attorney_luis.claims);
    expect(gaps.map((g) => g.name).sort()).toEqual(["attorney_luis", "attorney_rosa"]);
    expect(gaps.find((g) => g.keyId === rosaKeyId)).toMatchObject({ ownerId: rosa.id, missing: boxes, publicKey: toB64u(rosaKey.publicKey) });
    // Luis misses only the reports sealed to the recovery key alone.
    expect(await gapOf(cast.attorney_luis.claims, luisKeyId)).toBe(RECOVERY_ONLY);
    expect(await gapOf(cast.admin_alma.claims, rosaKeyId)).toBe(boxes);
    for (const persona of [cast.coordinator_carmen, cast.observer_ana]) {
      expect(await refusal(accessGaps(persona.claims))).toEqual({ status: 403, key: "errors.forbidden" });
      expect(await refusal(boxesMissingKey(persona.claims, rosaKeyId, 10))).toEqual({ status: 403, key: "errors.forbidden" });
      expect(await refusal(nextShareBatch(persona.claims, rosaKeyId, [luisKeyId]))).toEqual({ status: 403, key: "errors.forbidden" });
    }
  });

  it("refuses bad input with a 4xx before or in the database", async () => {
    await unlockAs(cast.attorney_luis, "luis passphrase");
    const [first] = (await nextShareBatch(cast.attorney_luis.claims, rosaKeyId, unlockedKeyIds())).boxes;
    const recipient = { keyId: rosaKeyId, publicKey: toB64u(rosaKey.publicKey) };
    const good = { box: first!.box, boxId: first!.boxId, envelope: shareEnvelope(first!.sealed, first!.shares, recipient) };
    const luis = cast.attorney_luis.claims;
    const bad = (key: string) => ({ status: 400, key });

    expect(await refusal(shareAccess(luis, "not-a-uuid", [good]))).toEqual(bad("share.errors.key"));
    expect(await refusal(shareAccess(luis, rosaKeyId, "nope"))).toEqual(bad("share.errors.batch"));
    expect(await refusal(shareAccess(luis, rosaKeyId, []))).toEqual(bad("share.errors.batch"));
    expect(await refusal(shareAccess(luis, rosaKeyId, Array.from({ length: 201 }, () => good)))).toEqual(bad("share.errors.batch"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, box: "task" }]))).toEqual(bad("share.errors.envelope"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, box: "addendum" }]))).toEqual({ status: 409, key: "share.errors.boxGone" });
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, boxId: "1" }]))).toEqual(bad("share.errors.envelope"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, extra: 1 }]))).toEqual(bad("share.errors.envelope"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, envelope: { ...good.envelope, wrapped: "AAAA" } }]))).toEqual(bad("share.errors.envelope"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, envelope: { ...good.envelope, plaintext: "x" } }]))).toEqual(bad("share.errors.envelope"));
    expect(await refusal(shareAccess(luis, rosaKeyId, [good, good]))).toEqual(bad("share.errors.envelope"));
    // an envelope made for one key is not stored under another
    expect(await refusal(shareAccess(luis, luisKeyId, [good]))).toEqual(bad("share.errors.envelope"));
    const forLuis = { ...good, envelope: { ...good.envelope, keyId: luisKeyId } };
    expect(await refusal(shareAccess(luis, rosaKeyId, [forLuis]))).toEqual(bad("share.errors.envelope"));
    // keys that are not an active attorney's, boxes that do not exist
    const toRecovery = { ...good, envelope: { ...good.envelope, keyId: recoveryKeyId } };
    expect(await refusal(shareAccess(luis, recoveryKeyId, [toRecovery]))).toEqual({ status: 409, key: "share.errors.keyGone" });
    const unknownKey = crypto.randomUUID();
    expect(await refusal(shareAccess(luis, unknownKey, [{ ...good, envelope: { ...good.envelope, keyId: unknownKey } }]))).toEqual({ status: 409, key: "share.errors.keyGone" });
    expect(await refusal(shareAccess(luis, rosaKeyId, [good, { ...good, boxId: crypto.randomUUID() }]))).toEqual({ status: 409, key: "share.errors.boxGone" });
    expect(await refusal(shareAccess(luis, rosaKeyId, [{ ...good, box: good.box === "report" ? "note" : "report" }]))).toEqual({ status: 409, key: "share.errors.boxGone" });
    expect(await refusal(nextShareBatch(luis, rosaKeyId, []))).toEqual(bad("share.errors.locked"));
    expect(await refusal(nextShareBatch(luis, rosaKeyId, ["x"]))).toEqual(bad("share.errors.locked"));
    expect(await refusal(boxesMissingKey(luis, rosaKeyId, 0))).toEqual({ status: 400, key: "share.errors.batch" });
    expect(await refusal(boxesMissingKey(luis, "x", 10))).toEqual(bad("share.errors.key"));
    // observers and coordinators may not share, even a valid batch
    for (const persona of [cast.coordinator_carmen, cast.observer_ana]) {
      expect(await refusal(shareAccess(persona.claims, rosaKeyId, [good]))).toEqual({ status: 403, key: "errors.forbidden" });
    }
    // nothing of the above was stored
    const stored = await withSystem((trx) => trx.selectFrom("key_shares").select("id").execute());
    expect(stored).toEqual([]);
    expect(await gapOf(luis, rosaKeyId)).toBe(boxes);
  });

  it("an attorney shares with a colleague in batches, and the colleague then opens every box they can", async () => {
    await unlockAs(rosa, "rosa passphrase");
    const before = await openEverything(rosa);
    expect(before.closed).toHaveLength(boxes);

    await unlockAs(cast.attorney_luis, "luis passphrase");
    const auditBefore = await withSystem((trx) => trx.selectFrom("audit_events").select("seq").where("event", "=", "access_shared").execute());
    const result = await shareAll(cast.attorney_luis.claims, { keyId: rosaKeyId, publicKey: toB64u(rosaKey.publicKey) });
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    expect(result.shared).toBe(boxes - RECOVERY_ONLY);
    // the reports sealed to the recovery key alone: Luis cannot open them either, and says so
    expect(result).toMatchObject({ unopenable: RECOVERY_ONLY, complete: true, missing: RECOVERY_ONLY });
    expect(await gapOf(cast.attorney_luis.claims, rosaKeyId)).toBe(RECOVERY_ONLY);
    const left = await boxesMissingKey(cast.attorney_luis.claims, rosaKeyId, 1000);
    expect(left.map((b) => b.boxId).sort()).toEqual([...recoveryOnly].sort());

    // one audit entry per batch, counting envelopes and reports, never their content
    const audit = await withSystem((trx) =>
      trx.selectFrom("audit_events").select(["actor_id", "report_id", "details"]).where("event", "=", "access_shared").orderBy("seq").execute(),
    );
    expect(audit.length - auditBefore.length).toBe(result.rounds);
    expect(audit.at(-1)).toMatchObject({ actor_id: cast.attorney_luis.id, report_id: null, details: { key: rosaKeyId } });
    expect(audit.reduce((sum, a) => sum + Number((a.details as { envelopes: number }).envelopes), 0)).toBe(boxes - RECOVERY_ONLY);

    // a repeat stores nothing twice
    const again = await withSystem((trx) => trx.selectFrom("key_shares").select(["box", "box_id", "envelope"]).limit(5).execute());
    expect(await shareAccess(cast.attorney_luis.claims, rosaKeyId, again.map((s) => ({ box: s.box, boxId: s.box_id, envelope: s.envelope })))).toBe(0);

    await unlockAs(rosa, "rosa passphrase");
    const after = await openEverything(rosa);
    expect(after.closed.sort()).toEqual(recoveryOnly.map((id) => `report:${id}`).sort());
    expect(after.values).toContainEqual(expect.objectContaining({ detained: [expect.objectContaining({ name: `${CANARY}-${REPORTS - 1}` })] }));
    expect(after.values).toContainEqual({ note: "note 2" });
    expect(after.values).toContainEqual(expect.objectContaining({ detained: [expect.objectContaining({ name: `${CANARY}-added-${ADDENDA - 1}` })] }));
    expect(after.values).toContainEqual(expect.objectContaining({ kind: "media", contentType: "image/jpeg" }));
    // nothing readable reached the database on the way
    const dump = await withSystem((trx) => sql<{ t: string }>`select coalesce(string_agg(to_jsonb(s)::text, ''), '') as t from public.key_shares s`.execute(trx));
    expect(dump.rows[0]!.t).not.toContain(CANARY);
    lockKeyring();
  });

  it("an admin with the recovery key restores access to an attorney's new key", async () => {
    // Rosa forgot her passphrase and made a new key: nothing opens with it.
    const rosaNew = generateKeyPair();
    const newKeyId = (await registerKey(rosa, rosaNew, "rosa new passphrase")).id;
    expect(newKeyId).not.toBe(rosaKeyId);
    expect(await gapOf(cast.admin_alma.claims, newKeyId)).toBe(boxes);
    expect(await gapOf(cast.admin_alma.claims, rosaKeyId)).toBeUndefined();

    lockKeyring();
    unlockWithRecoveryFile(recoveryFile(), recoveryKeyId, toB64u(recoveryKey.publicKey));
    const result = await shareAll(cast.admin_alma.claims, { keyId: newKeyId, publicKey: toB64u(rosaNew.publicKey) });
    expect(result).toMatchObject({ shared: boxes, unopenable: 0, complete: true, missing: 0 });
    expect(await gapOf(cast.admin_alma.claims, newKeyId)).toBe(0);

    lockKeyring();
    const wrapped = (await myWrappedKey(rosa.claims))!;
    await unlockWithPassphrase([{ id: wrapped.id, publicKey: wrapped.public_key, wrapped: wrapped.wrapped_private_key }], "rosa new passphrase");
    const opened = await openEverything(rosa);
    expect(opened.closed).toEqual([]);
    expect(opened.total).toBe(boxes);
    expect(opened.values).toContainEqual(expect.objectContaining({ detained: [expect.objectContaining({ name: CANARY })] }));
    expect(opened.values).toContainEqual(expect.objectContaining({ detained: [expect.objectContaining({ name: `${CANARY}-added-0` })] }));
    lockKeyring();
  });
});
