import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { fileStore } from "~/integrations/file-store.server";
import { generateKeyPair, openBytesWithKey, openEnvelope, openJson, toB64u, wrapPrivateKey, type SealedBox } from "~/integrations/sealing";
import { env } from "~/utils/env.server";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { MEDIA_AAD_VERSION, mediaAad, sealMedia, sniffMediaType } from "./media";
import { attachPlainMedia, attachSealedMedia, mediaOf } from "./media.server";
import { submitReport } from "./reports.server";
import { ReportSchema } from "./schema";

let cast: Awaited<ReturnType<typeof createCast>>;
let key: ReturnType<typeof generateKeyPair>;
let keyId: string;
let reportId: string;

// A real JPEG header, then a canary where picture data would be.
const CANARY = "CANARY-photo-of-a-face";
const jpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...Buffer.from(`${CANARY}${"x".repeat(2000)}`), 0xff, 0xd9]);

beforeAll(async () => {
  cast = await createCast();
  key = generateKeyPair();
  const wrapped = await wrapPrivateKey(key.privateKey, "correct horse", { N: 2 ** 10, r: 8, p: 1 });
  const { rows } = await withUser(cast.attorney_luis.claims, (trx) =>
    sql<{ id: string }>`select private.register_attorney_key(${toB64u(key.publicKey)}, ${JSON.stringify(wrapped)}::jsonb) as id`.execute(trx),
  );
  keyId = rows[0]!.id;
  const report = ReportSchema.parse({ clientUuid: crypto.randomUUID(), occurredAt: "2026-11-20T10:00", crossStreets: "Somewhere" });
  reportId = (await submitReport(cast.observer_ana.claims, report, "America/Chicago")).id;
});

function* filesUnder(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

describe("media", () => {
  it("recognises our types by their magic bytes only", () => {
    expect(sniffMediaType(jpeg())).toBe("image/jpeg");
    expect(sniffMediaType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]))).toBe("image/png");
    expect(sniffMediaType(new Uint8Array([0, 0, 0, 0x18, ...Buffer.from("ftypmp42"), 0, 0, 0, 0]))).toBe("video/mp4");
    expect(sniffMediaType(new Uint8Array([0, 0, 0, 0x14, ...Buffer.from("ftypqt  "), 0, 0, 0, 0]))).toBe("video/quicktime");
    expect(sniffMediaType(new Uint8Array([0, 0, 0, 0x18, ...Buffer.from("ftypheic"), 0, 0, 0, 0]))).toBe("image/heic");
    expect(sniffMediaType(Buffer.from("<html><script>alert(1)</script></html>"))).toBeNull();
    expect(sniffMediaType(Buffer.from("%PDF-1.7 xxxxxxxxxxxxx"))).toBeNull();
  });

  it("without JavaScript the original is hashed, sealed on receipt and stored only as ciphertext the attorney can open", async () => {
    const original = jpeg();
    const sha256 = createHash("sha256").update(original).digest("hex");
    await attachPlainMedia(cast.observer_ana.claims, reportId, new File([original], "IMG_0001.jpg", { type: "image/jpeg" }));
    const [item] = await mediaOf(cast.observer_ana.claims, reportId);
    expect(item).toMatchObject({ contentType: "image/jpeg", size: original.length });
    // nothing readable anywhere in the file store
    for (const file of filesUnder(path.resolve(env().DATA_DIR, "files"))) expect(readFileSync(file).includes(Buffer.from(CANARY))).toBe(false);
    const { rows } = await withSystem((trx) =>
      sql<{ id: string; row: string; sealed: SealedBox; storage_key: string; nonce: string }>`select id, to_jsonb(m)::text as row, sealed, storage_key, nonce from public.report_media m where report_id = ${reportId}::uuid`.execute(trx),
    );
    expect(rows[0]!.row).not.toContain(CANARY);
    expect(rows[0]!.row).not.toContain(sha256);
    // the attorney's key opens it, it names the original's hash, and it is the original, bit for bit
    const aad = mediaAad(reportId, { id: rows[0]!.id, aadV: MEDIA_AAD_VERSION });
    const contentKey = openEnvelope(rows[0]!.sealed, keyId, key.privateKey);
    expect(openJson(rows[0]!.sealed, contentKey, aad)).toMatchObject({ kind: "media", sha256, contentType: "image/jpeg" });
    const ciphertext = (await fileStore().get(rows[0]!.storage_key))!;
    const opened = openBytesWithKey({ nonce: rows[0]!.nonce, ciphertext }, contentKey, aad);
    expect(createHash("sha256").update(opened).digest("hex")).toBe(sha256);
  });

  it("refuses files that are not photos or videos, and files over the limit", async () => {
    await expect(attachPlainMedia(cast.observer_ana.claims, reportId, new File(["<html>hello there friend</html>"], "x.jpg"))).rejects.toMatchObject({ messageKey: "reports.errors.mediaType" });
    await withSystem((trx) => trx.updateTable("org_settings").set({ media_max_mb: 1 }).execute());
    const big = new Uint8Array(1024 * 1024 + 1);
    big.set(jpeg().subarray(0, 12));
    await expect(attachPlainMedia(cast.observer_ana.claims, reportId, new File([big], "big.jpg"))).rejects.toMatchObject({ status: 413 });
    await withSystem((trx) => trx.updateTable("org_settings").set({ media_max_mb: 100 }).execute());
  });

  it("accepts ciphertext sealed in the browser for current keys, checks what it can, and only for the author", async () => {
    const original = jpeg();
    original[20] = 0x42;
    const mediaId = crypto.randomUUID();
    const { sealed, nonce, ciphertext } = sealMedia({ bytes: original, reportId, mediaId, contentType: "image/jpeg" }, [{ keyId, publicKey: toB64u(key.publicKey) }]);
    const upload = (claims = cast.observer_ana.claims, overrides: Partial<{ size: number; contentType: string; box: string }> = {}) =>
      attachSealedMedia(claims, reportId, {
        mediaId,
        box: JSON.stringify(sealed),
        nonce,
        contentType: "image/jpeg",
        size: original.length,
        ciphertext: new File([ciphertext as Uint8Array<ArrayBuffer>], "sealed.bin"),
        ...overrides,
      });
    await expect(upload(cast.observer_ana.claims, { size: original.length + 5 })).rejects.toMatchObject({ messageKey: "reports.errors.mediaInvalid" });
    await expect(upload(cast.observer_ana.claims, { contentType: "text/html" })).rejects.toMatchObject({ messageKey: "reports.errors.mediaType" });
    await expect(upload(cast.observer_ana.claims, { box: "{}" })).rejects.toMatchObject({ messageKey: "reports.errors.mediaInvalid" });
    const other = await createPersona("media_other", ["observer"], { trainingDate: "2026-10-01" });
    await expect(upload(other.claims)).rejects.toMatchObject({ status: 404 });
    await upload();
    await upload(); // a retry stores nothing twice
    expect((await mediaOf(cast.observer_ana.claims, reportId)).filter((m) => m.id === mediaId)).toHaveLength(1);
    expect(await mediaOf(other.claims, reportId)).toEqual([]);
    expect((await mediaOf(cast.attorney_luis.claims, reportId)).length).toBe(2);
    expect(await mediaOf(cast.coordinator_carmen.claims, reportId)).toEqual([]);
  });
});
