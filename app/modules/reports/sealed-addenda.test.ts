import { beforeAll, describe, expect, it } from "vitest";
import { withSystem, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { openEnvelope, openJson, sealJson, validateSealedBox } from "~/integrations/sealing";
import { sealedBundle } from "~/modules/review/review.server";
import { createCast } from "../../../tests/setup/personas";
import { everyRowAsText } from "../../../tests/setup/dump";
import { createTestReport, registerTestKey, triage, type TestKey } from "../../../tests/setup/reports";
import { addendumAad, SealedAddendumSchema } from "./addenda";
import { addSealedAddendum, getReport } from "./reports.server";

/**
 * "Add sealed details" (issue 18, item 5; ADR 023): people learned about after a report was sent
 * are sealed exactly as at submission, bound to their report and addendum, audited, and opened by
 * attorneys with the report.
 */
let cast: Awaited<ReturnType<typeof createCast>>;
let key: TestKey;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  key = await registerTestKey(cast.attorney_luis);
  reportId = (await createTestReport(cast.observer_ana, { sealedTo: [key.recipient] })).id;
});

/** What the form posts without JavaScript: the typed values, sealed on receipt. */
const typed = (fields: Record<string, unknown>) => SealedAddendumSchema.parse({ addendumId: crypto.randomUUID(), ...fields });

/** What the observer's browser posts: a box sealed to the current keys, bound to this addendum. */
function fromBrowser(to: string, people: { detained?: { name: string }[]; witnesses?: { name: string; contact: string }[] }, addendumId = crypto.randomUUID()) {
  const { sealed, contentKey } = sealJson({ v: 1, detained: people.detained ?? [], witnesses: people.witnesses ?? [] }, [key.recipient], addendumAad(to, addendumId));
  contentKey.fill(0);
  return SealedAddendumSchema.parse({
    addendumId,
    sealed: JSON.stringify(sealed),
    sealedDetained: String(people.detained?.length ?? 0),
    sealedWitnesses: String(people.witnesses?.length ?? 0),
  });
}

/** What the attorney's browser does after unsealing: open each addendum's box with its key and the associated data given. */
async function openedAddenda(id: string) {
  const bundle = await sealedBundle(cast.attorney_luis.claims, id);
  return bundle.addenda.map((a) => {
    const box = validateSealedBox(a.sealed);
    const contentKey = openEnvelope(box, key.keyId, key.privateKey);
    try {
      return { id: a.id, aad: a.aad, createdAt: a.createdAt, value: openJson(box, contentKey, a.aad) as { detained: { name: string }[]; witnesses: { name: string }[] } };
    } finally {
      contentKey.fill(0);
    }
  });
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, key: error.messageKey, field: error.field };
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("sealed details added after sending", () => {
  it("the author adds them without JavaScript: sealed on receipt, the plaintext stored nowhere, audited, counted", async () => {
    const canary = `CANARY-addendum-${crypto.randomUUID()}`;
    const input = typed({ detained: [{ name: `${canary}-name`, whereTaken: `${canary}-where` }], witnesses: [{ name: `${canary}-witness`, contact: "555-0100" }] });
    expect(await addSealedAddendum(cast.observer_ana.claims, reportId, input)).toEqual({ created: true });

    for (const [table, text] of await everyRowAsText()) expect(text.includes(canary), `${canary} in ${table}`).toBe(false);

    const view = await getReport(cast.observer_ana.claims, reportId);
    // the report's own sealed person, and those added
    expect(view).toMatchObject({ sealed: true, sealedDetained: 2, sealedWitnesses: 1 });
    expect(view.addenda.find((a) => a.id === input.addendumId)).toMatchObject({ sealed: true, sealedDetained: 1, sealedWitnesses: 1, body: "", mine: true });

    const audit = await withSystem((trx) =>
      trx.selectFrom("audit_events").select(["actor_id", "report_id", "details", "hash", "prev_hash"]).where("event", "=", "addendum_added").execute(),
    );
    const event = audit.find((e) => (e.details as { addendum?: string }).addendum === input.addendumId);
    expect(event).toMatchObject({ actor_id: cast.observer_ana.id, report_id: reportId, details: { sealed: true, detained: 1, witnesses: 1 } });
    expect(event!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audit)).not.toContain(canary);

    const opened = (await openedAddenda(reportId)).find((a) => a.id === input.addendumId)!;
    expect(opened.aad).toBe(`addendum:${reportId}:${input.addendumId}`);
    expect(opened.value.detained).toEqual([expect.objectContaining({ name: `${canary}-name`, whereTaken: `${canary}-where` })]);
    expect(opened.value.witnesses).toEqual([expect.objectContaining({ name: `${canary}-witness`, contact: "555-0100" })]);
  });

  it("the author adds them sealed in the browser, also after review started; a repeated post is kept once", async () => {
    const report = (await createTestReport(cast.observer_ana)).id;
    await triage(cast.attorney_luis, report, { status: "in_review" });
    expect((await getReport(cast.observer_ana.claims, report)).underReview).toBe(true);
    const input = fromBrowser(report, { witnesses: [{ name: "Later Witness", contact: "555-0101" }] });
    expect(await addSealedAddendum(cast.observer_ana.claims, report, input)).toEqual({ created: true });
    expect(await addSealedAddendum(cast.observer_ana.claims, report, input)).toEqual({ created: false });
    const view = await getReport(cast.attorney_luis.claims, report);
    // a report sealed nothing at submission: the addendum alone makes it sealed
    expect(view).toMatchObject({ sealed: true, sealedDetained: 0, sealedWitnesses: 1 });
    expect(view.addenda).toHaveLength(1);
    expect((await openedAddenda(report))[0]!.value.witnesses).toEqual([{ name: "Later Witness", contact: "555-0101" }]);
  });

  it("another observer and a coordinator cannot add to someone's report (RLS), and learn nothing from trying", async () => {
    for (const persona of [cast.observer_oscar, cast.coordinator_carmen]) {
      expect(await refusal(addSealedAddendum(persona.claims, reportId, typed({ detained: [{ name: "Nobody" }] })))).toMatchObject({ status: 404, key: "reports.errors.notFound" });
      expect(await refusal(addSealedAddendum(persona.claims, reportId, fromBrowser(reportId, { detained: [{ name: "Nobody" }] })))).toMatchObject({ status: 404 });
      // straight into the table, as the person: the database's policy refuses it
      await expect(
        withUser(persona.claims, (trx) =>
          trx.insertInto("report_addenda").values({ report_id: reportId, author_id: persona.id, sealed: JSON.stringify(fromBrowser(reportId, {}).sealed) }).execute(),
        ),
      ).rejects.toMatchObject({ code: "42501" });
    }
    // a report that does not exist reads the same
    expect(await refusal(addSealedAddendum(cast.observer_ana.claims, crypto.randomUUID(), typed({ detained: [{ name: "X" }] })))).toMatchObject({ status: 404 });
  });

  it("refuses nothing to seal, a box for keys not in use and a box that is not one, with field errors", async () => {
    expect(await refusal(addSealedAddendum(cast.observer_ana.claims, reportId, typed({})))).toEqual({ status: 400, key: "addenda.errors.empty", field: "detained[0].name" });
    const stranger = sealJson({ v: 1, detained: [{ name: "X" }], witnesses: [] }, [{ keyId: crypto.randomUUID(), publicKey: key.publicKey }], "x").sealed;
    expect(await refusal(addSealedAddendum(cast.observer_ana.claims, reportId, typed({ sealed: JSON.stringify(stranger) })))).toMatchObject({ status: 409, key: "reports.errors.keysChanged" });
    expect(await refusal(addSealedAddendum(cast.observer_ana.claims, reportId, typed({ sealed: "{}" })))).toMatchObject({ status: 400, key: "reports.errors.sealedInvalid" });
    // typed values and a box at once: never both
    const both = { ...fromBrowser(reportId, { detained: [{ name: "X" }] }), detained: typed({ detained: [{ name: "Y" }] }).detained };
    expect(await refusal(addSealedAddendum(cast.observer_ana.claims, reportId, both))).toMatchObject({ status: 400, key: "reports.errors.sealedAndPlain" });
    expect(SealedAddendumSchema.safeParse({ addendumId: "nope" }).error?.issues[0]?.message).toBe("addenda.errors.id");
  });

  it("a box moved onto another addendum, of this or another report, does not open", async () => {
    const other = (await createTestReport(cast.observer_ana)).id;
    const mine = fromBrowser(reportId, { detained: [{ name: "Stays here" }] });
    const theirs = fromBrowser(other, { detained: [{ name: "Stays there" }] });
    await addSealedAddendum(cast.observer_ana.claims, reportId, mine);
    await addSealedAddendum(cast.observer_ana.claims, other, theirs);
    expect((await openedAddenda(other))[0]!.value.detained[0]!.name).toBe("Stays there");
    // someone with the database's password copies this report's box onto the other report's addendum
    await withSystem((trx) => trx.updateTable("report_addenda").set({ sealed: mine.sealed! }).where("id", "=", theirs.addendumId).execute());
    await expect(openedAddenda(other)).rejects.toThrow();
    // and the associated data is the one thing that differs: with this report's, the same box opens
    const box = validateSealedBox(JSON.parse(mine.sealed!));
    const contentKey = openEnvelope(box, key.keyId, key.privateKey);
    expect(() => openJson(box, contentKey, addendumAad(other, theirs.addendumId))).toThrow();
    expect(openJson(box, contentKey, addendumAad(reportId, mine.addendumId))).toMatchObject({ detained: [{ name: "Stays here" }] });
  });

  it("retention empties a sealed addendum's box and its counts together", async () => {
    const report = (await createTestReport(cast.observer_ana)).id;
    const input = fromBrowser(report, { detained: [{ name: "Gone later" }] });
    await addSealedAddendum(cast.observer_ana.claims, report, input);
    await withSystem((trx) => trx.updateTable("report_addenda").set({ sealed: null, body: "kept" }).where("id", "=", input.addendumId).execute());
    const row = await withSystem((trx) => trx.selectFrom("report_addenda").select(["sealed_detained", "sealed_witnesses"]).where("id", "=", input.addendumId).executeTakeFirstOrThrow());
    expect(row).toEqual({ sealed_detained: 0, sealed_witnesses: 0 });
  });
});
