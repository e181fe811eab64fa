import { beforeAll, describe, expect, it } from "vitest";
import { withSystem } from "~/db/client.server";
import { openEnvelope, openJson, sealJson, validateSealedBox } from "~/integrations/sealing";
import { createCast } from "../../../tests/setup/personas";
import { createTestReport, registerTestKey, type TestKey } from "../../../tests/setup/reports";
import { NOTE_AAD_VERSION, noteAad } from "./note-aad";
import { addNote, sealedBundle } from "./review.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let key: TestKey;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  key = await registerTestKey(cast.attorney_luis);
  reportId = (await createTestReport(cast.observer_ana)).id;
});

/** What the attorney's browser does: a note sealed to its own id. */
async function note(text: string) {
  const noteId = crypto.randomUUID();
  const { sealed } = sealJson({ v: 1, text }, [key.recipient], noteAad(reportId, noteId, NOTE_AAD_VERSION));
  await addNote(cast.attorney_luis.claims, reportId, noteId, JSON.stringify(sealed));
  return noteId;
}

const open = (box: unknown, aad: string) => {
  const checked = validateSealedBox(box);
  return openJson(checked, openEnvelope(checked, key.keyId, key.privateKey), aad) as { text: string };
};

describe("each sealed note is bound to its own id (security review, finding 13)", () => {
  it("opens as itself, and not when its box is moved onto another note of the same report", async () => {
    const first = await note("first note");
    const second = await note("second note");
    const bundle = await sealedBundle(cast.attorney_luis.claims, reportId);
    const byId = new Map(bundle.notes.map((n) => [n.id, n]));
    expect(byId.get(first)!.aad).toBe(`note:${first}`);
    expect(open(byId.get(first)!.sealed, byId.get(first)!.aad).text).toBe("first note");
    // Someone with the database's password swaps the boxes: neither opens as the other.
    await withSystem(async (trx) => {
      const rows = await trx.selectFrom("report_notes").select(["id", "sealed"]).where("id", "in", [first, second]).execute();
      const sealedOf = new Map(rows.map((r) => [r.id, r.sealed]));
      await trx.updateTable("report_notes").set({ sealed: JSON.stringify(sealedOf.get(second)) }).where("id", "=", first).execute();
    });
    const swapped = (await sealedBundle(cast.attorney_luis.claims, reportId)).notes.find((n) => n.id === first)!;
    expect(() => open(swapped.sealed, swapped.aad)).toThrow();
  });

  it("a note sent twice is kept once, and an id that is not a uuid is refused", async () => {
    const noteId = crypto.randomUUID();
    const { sealed } = sealJson({ v: 1, text: "twice" }, [key.recipient], noteAad(reportId, noteId, NOTE_AAD_VERSION));
    await addNote(cast.attorney_luis.claims, reportId, noteId, JSON.stringify(sealed));
    await addNote(cast.attorney_luis.claims, reportId, noteId, JSON.stringify(sealed));
    const rows = await withSystem((trx) => trx.selectFrom("report_notes").select("id").where("id", "=", noteId).execute());
    expect(rows).toHaveLength(1);
    await expect(addNote(cast.attorney_luis.claims, reportId, "not-a-uuid", JSON.stringify(sealed))).rejects.toMatchObject({ status: 400 });
  });

  it("notes sealed before keep opening with the report's id (aad_v 1)", async () => {
    const { sealed } = sealJson({ v: 1, text: "an old note" }, [key.recipient], `${reportId}:note`);
    const [row] = await withSystem((trx) =>
      trx.insertInto("report_notes").values({ report_id: reportId, author_id: cast.attorney_luis.id, sealed: JSON.stringify(sealed) }).returning("id").execute(),
    );
    const old = (await sealedBundle(cast.attorney_luis.claims, reportId)).notes.find((n) => n.id === row!.id)!;
    expect(old.aad).toBe(`${reportId}:note`);
    expect(open(old.sealed, old.aad).text).toBe("an old note");
  });
});
