import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { fileStore } from "~/integrations/file-store.server";
import { openEnvelope, sealBytesWithKey, sealJson, sha256Hex, toB64u, validateSealedBox, type SealedBox } from "~/integrations/sealing";
import { sealedBundle } from "~/modules/review/review.server";
import { createCast } from "../../../tests/setup/personas";
import { digestSpellings, everyRowAsText, everyStoredFile } from "../../../tests/setup/dump";
import { createTestReport, registerTestKey, type TestKey } from "../../../tests/setup/reports";
import { MEDIA_AAD_VERSION, mediaAad, openMedium, sealMedia } from "./media";
import { attachPlainMedia, attachSealedMedia, mediaOf } from "./media.server";

/**
 * Security review, finding 4: `report_media.sha256` was the SHA-256 of the original photo, so
 * anyone holding a copy of the photo could find its report and author. The original's hash now
 * lives only inside the sealed box; the row and the associated data carry the medium's own id.
 */
let cast: Awaited<ReturnType<typeof createCast>>;
let key: TestKey;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  key = await registerTestKey(cast.attorney_luis);
  reportId = (await createTestReport(cast.observer_ana)).id;
});

/** A JPEG nobody else has: its header, then random bytes where the picture would be. */
const photo = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...randomBytes(3000), 0xff, 0xd9]);

/** What the observer's browser does: seal to the current keys under an id it picks, post the ciphertext. */
async function uploadFromBrowser(original: Uint8Array, mediaId: string = crypto.randomUUID(), to = reportId) {
  const { sealed, nonce, ciphertext } = sealMedia({ bytes: original, reportId: to, mediaId, contentType: "image/jpeg" }, [{ keyId: key.keyId, publicKey: toB64u(key.publicKey) }]);
  await attachSealedMedia(cast.observer_ana.claims, to, {
    mediaId,
    box: JSON.stringify(sealed),
    nonce,
    contentType: "image/jpeg",
    size: original.length,
    ciphertext: new File([ciphertext as Uint8Array<ArrayBuffer>], "sealed.bin"),
  });
  return mediaId;
}

/** What the attorney's browser does after unsealing: each medium opened and checked. */
async function openAsAttorney(id: string, inReport = reportId) {
  const bundle = await sealedBundle(cast.attorney_luis.claims, inReport);
  const m = bundle.media.find((x) => x.id === id)!;
  const box = validateSealedBox(m.sealed);
  const contentKey = openEnvelope(box, key.keyId, key.privateKey);
  const stored = await withSystem((trx) => trx.selectFrom("report_media").select("storage_key").where("id", "=", id).executeTakeFirstOrThrow());
  return { medium: m, opened: openMedium({ ...m, sealed: box }, (await fileStore().get(stored.storage_key))!, contentKey) };
}

async function expectHashNowhere(original: Uint8Array) {
  const spellings = digestSpellings(sha256Hex(original));
  for (const [table, text] of await everyRowAsText()) {
    for (const s of spellings) expect(text.includes(s), `${s} in ${table}`).toBe(false);
  }
  for (const { file, bytes } of everyStoredFile()) {
    for (const s of spellings) expect(file.includes(s) || bytes.includes(Buffer.from(s)), `${s} in ${file}`).toBe(false);
    expect(bytes.includes(Buffer.from(sha256Hex(original), "hex")), `raw digest in ${file}`).toBe(false);
  }
}

describe("the original photo's hash stays sealed (security review, finding 4)", () => {
  it("without JavaScript the server hashes and seals the photo, and stores its hash nowhere, in no encoding", async () => {
    const original = photo();
    await attachPlainMedia(cast.observer_ana.claims, reportId, new File([original], "IMG_0001.jpg", { type: "image/jpeg" }));
    expect(await mediaOf(cast.observer_ana.claims, reportId)).toHaveLength(1);
    await expectHashNowhere(original);
  });

  it("with JavaScript nothing the browser sends or the server stores carries the original's hash", async () => {
    const original = photo();
    const id = await uploadFromBrowser(original);
    await expectHashNowhere(original);
    const { medium, opened } = await openAsAttorney(id);
    expect(medium).toMatchObject({ id, sha256: null, aad: `media:${reportId}:${id}` });
    // the attorney's browser reads it from the box and checks the opened bytes against it
    expect(opened).toMatchObject({ sha256: sha256Hex(original), recorded: sha256Hex(original), matches: true });
    expect(Buffer.from(opened.bytes).equals(Buffer.from(original))).toBe(true);
  });

  it("a retried upload (same id) is stored once; an id that is not a uuid is refused", async () => {
    const original = photo();
    const id = crypto.randomUUID();
    await uploadFromBrowser(original, id);
    await uploadFromBrowser(original, id);
    const rows = await withSystem((trx) => trx.selectFrom("report_media").select("id").where("id", "=", id).execute());
    expect(rows).toHaveLength(1);
    await expect(uploadFromBrowser(original, "not-a-uuid")).rejects.toMatchObject({ status: 400, messageKey: "reports.errors.mediaInvalid" });
  });

  it("without JavaScript a form posted twice stores each file once (its upload key), and a new form stores it again", async () => {
    const original = photo();
    const uploadKey = randomBytes(32).toString("base64url");
    const before = (await mediaOf(cast.observer_ana.claims, reportId)).length;
    for (let i = 0; i < 2; i++) await attachPlainMedia(cast.observer_ana.claims, reportId, new File([original], "IMG_0002.jpg"), uploadKey);
    expect(await mediaOf(cast.observer_ana.claims, reportId)).toHaveLength(before + 1);
    await attachPlainMedia(cast.observer_ana.claims, reportId, new File([photo()], "IMG_0003.jpg"), uploadKey);
    await attachPlainMedia(cast.observer_ana.claims, reportId, new File([original], "IMG_0002.jpg"), randomBytes(32).toString("base64url"));
    expect(await mediaOf(cast.observer_ana.claims, reportId)).toHaveLength(before + 3);
    await expectHashNowhere(original);
  });

  it("a medium's box, moved onto another medium of the same report or onto another report, does not open", async () => {
    const first = await uploadFromBrowser(photo());
    const second = await uploadFromBrowser(photo());
    expect((await openAsAttorney(first)).opened.matches).toBe(true);
    // Someone with the database's password swaps what the two rows point at: neither opens as the other.
    await withSystem(async (trx) => {
      const rows = await trx.selectFrom("report_media").select(["id", "sealed", "nonce", "storage_key"]).where("id", "in", [first, second]).execute();
      const of = new Map(rows.map((r) => [r.id, r]));
      for (const [to, from] of [[first, second], [second, first]] as const) {
        const { sealed, nonce, storage_key } = of.get(from)!;
        await trx.updateTable("report_media").set({ sealed: JSON.stringify(sealed), nonce, storage_key }).where("id", "=", to).execute();
      }
    });
    await expect(openAsAttorney(first)).rejects.toThrow();
    await expect(openAsAttorney(second)).rejects.toThrow();
    // …or moves a medium, id and all, onto another report
    const third = await uploadFromBrowser(photo());
    const other = (await createTestReport(cast.observer_ana)).id;
    await withSystem((trx) => trx.updateTable("report_media").set({ report_id: other }).where("id", "=", third).execute());
    await expect(openAsAttorney(third, other)).rejects.toThrow();
  });

  it("media sealed before (aad_v 1) keep opening with the report and the original's hash, which the row still holds", async () => {
    const original = photo();
    const sha256 = sha256Hex(original);
    const aad = `${reportId}:media:${sha256}`;
    const { sealed, contentKey } = sealJson({ v: 1, kind: "media", sha256, contentType: "image/jpeg", size: original.length }, [key.recipient], aad);
    const { nonce, ciphertext } = sealBytesWithKey(original, contentKey, aad);
    const storageKey = await fileStore().put(ciphertext);
    const [row] = await withSystem((trx) =>
      trx
        .insertInto("report_media")
        .values({ report_id: reportId, uploaded_by: cast.observer_ana.id, sha256, aad_v: 1, content_type: "image/jpeg", size_bytes: original.length, sealed: JSON.stringify(sealed), storage_key: storageKey, nonce })
        .returning("id")
        .execute(),
    );
    const { medium, opened } = await openAsAttorney(row!.id);
    expect(medium).toMatchObject({ sha256, aad });
    expect(mediaAad(reportId, { id: row!.id, aadV: 1, sha256 })).toBe(aad);
    expect(opened).toMatchObject({ sha256, recorded: sha256, matches: true });
  });

  it("the attorney is warned when the opened file is not the one whose hash was sealed with it", async () => {
    // A box that names another file's hash (a faulty or dishonest sealer): it opens, and says so.
    const original = photo();
    const mediaId = crypto.randomUUID();
    const aad = mediaAad(reportId, { id: mediaId, aadV: MEDIA_AAD_VERSION });
    const claimed = sha256Hex(photo());
    const { sealed, contentKey } = sealJson({ v: 1, kind: "media", sha256: claimed, contentType: "image/jpeg", size: original.length }, [key.recipient], aad);
    const { nonce, ciphertext } = sealBytesWithKey(original, contentKey, aad);
    const opened = openMedium({ sealed, nonce, aad, sha256: null }, ciphertext, openEnvelope(sealed as SealedBox, key.keyId, key.privateKey));
    expect(opened).toMatchObject({ sha256: sha256Hex(original), recorded: claimed, matches: false });
    // and a v1 row whose hash differs from the one in its box
    const v1 = openMedium({ sealed, nonce, aad, sha256: sha256Hex(original) }, ciphertext, openEnvelope(sealed as SealedBox, key.keyId, key.privateKey));
    expect(v1.matches).toBe(false);
  });

  it("observers cannot store an original's hash on a row, nor a medium of the old kind", async () => {
    const sealed = sealJson({ v: 1 }, [key.recipient], "x").sealed;
    const values = { report_id: reportId, uploaded_by: cast.observer_ana.id, content_type: "image/jpeg" as const, size_bytes: 10, sealed: JSON.stringify(sealed), storage_key: "a".repeat(64), nonce: "A".repeat(32) };
    await expect(withUser(cast.observer_ana.claims, (trx) => trx.insertInto("report_media").values({ ...values, sha256: "b".repeat(64), aad_v: 1 }).execute())).rejects.toThrow();
    await expect(withUser(cast.observer_ana.claims, (trx) => trx.insertInto("report_media").values({ ...values, sha256: "b".repeat(64), aad_v: 2 }).execute())).rejects.toThrow();
    await expect(withUser(cast.observer_ana.claims, (trx) => trx.insertInto("report_media").values({ ...values, aad_v: 1 }).execute())).rejects.toThrow();
    // the kind the app writes goes in, for the author only
    await withUser(cast.observer_ana.claims, (trx) => trx.insertInto("report_media").values({ ...values, id: crypto.randomUUID(), aad_v: 2 }).execute());
    await expect(withUser(cast.observer_oscar.claims, (trx) => trx.insertInto("report_media").values({ ...values, uploaded_by: cast.observer_oscar.id, aad_v: 2 }).execute())).rejects.toThrow();
    const { rows } = await withSystem((trx) => sql<{ n: number }>`select count(*)::int as n from public.report_media where aad_v = 2 and sha256 is not null`.execute(trx));
    expect(rows[0]!.n).toBe(0);
  });
});
