import { type Claims, readAsUser, withUser } from "~/db/client.server";
import { DomainError, sqlState } from "~/db/errors.server";
import { fileStore } from "~/integrations/file-store.server";
import { validateSealedBox } from "~/integrations/sealing";
import { MEDIA_TYPES, mediaAad, sealMedia, sniffMediaType, type MediaType } from "./media";
import { checkEnvelopes, sealingRecipients } from "./reports.server";

export { mediaAad };

export async function mediaLimitBytes(claims: Claims) {
  const row = await readAsUser(claims, (trx) => trx.selectFrom("org_settings").select("media_max_mb").executeTakeFirst());
  return (row?.media_max_mb ?? 100) * 1024 * 1024;
}

/** Only the author adds media, and that is checked before anything is stored. */
async function assertOwnReport(claims: Claims, reportId: string) {
  const mine = await readAsUser(claims, (trx) =>
    trx.selectFrom("reports").select("id").where("id", "=", reportId).where("author_id", "=", claims.sub).executeTakeFirst(),
  );
  if (!mine) throw new DomainError(404, "reports.errors.notFound");
}

async function record(
  claims: Claims,
  reportId: string,
  file: { sha256: string; contentType: MediaType; size: number; sealed: unknown; ciphertext: Uint8Array; nonce: string },
) {
  const storageKey = await fileStore().put(file.ciphertext);
  try {
    await withUser(claims, (trx) =>
      trx
        .insertInto("report_media")
        .values({
          report_id: reportId,
          uploaded_by: claims.sub,
          sha256: file.sha256,
          content_type: file.contentType,
          size_bytes: file.size,
          sealed: JSON.stringify(file.sealed),
          storage_key: storageKey,
          nonce: file.nonce,
        })
        .onConflict((oc) => oc.columns(["report_id", "sha256"]).doNothing())
        .execute(),
    );
  } catch (error) {
    if (sqlState(error) === "42501") throw new DomainError(404, "reports.errors.notFound");
    throw error;
  }
}

/**
 * Without JavaScript: the original arrives here, is checked by its magic bytes, hashed, sealed to
 * the legal team's keys and stored as ciphertext. The plaintext lives only in this function.
 */
export async function attachPlainMedia(claims: Claims, reportId: string, file: File) {
  await assertOwnReport(claims, reportId);
  const limit = await mediaLimitBytes(claims);
  if (file.size === 0) return;
  if (file.size > limit) throw new DomainError(413, "reports.errors.mediaTooLarge", "media");
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const contentType = sniffMediaType(bytes);
    if (!contentType) throw new DomainError(400, "reports.errors.mediaType", "media");
    const recipients = await sealingRecipients(claims);
    if (!recipients.length) throw new DomainError(409, "reports.errors.noKeys", "media");
    let sealedFile;
    try {
      sealedFile = sealMedia(bytes, reportId, contentType, recipients);
    } catch {
      throw new DomainError(409, "reports.errors.sealFailed", "media");
    }
    const { sha256, sealed, nonce, ciphertext } = sealedFile;
    await record(claims, reportId, { sha256, contentType, size: bytes.length, sealed, ciphertext, nonce });
  } finally {
    bytes.fill(0);
  }
}

/** With JavaScript: the browser checked, hashed and sealed the file; only ciphertext arrives. */
export async function attachSealedMedia(
  claims: Claims,
  reportId: string,
  input: { box: string; nonce: string; sha256: string; contentType: string; size: number; ciphertext: File },
) {
  await assertOwnReport(claims, reportId);
  const limit = await mediaLimitBytes(claims);
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw new DomainError(400, "reports.errors.mediaInvalid", "media");
  if (!(MEDIA_TYPES as readonly string[]).includes(input.contentType)) throw new DomainError(400, "reports.errors.mediaType", "media");
  if (!Number.isInteger(input.size) || input.size <= 0 || input.size > limit) throw new DomainError(413, "reports.errors.mediaTooLarge", "media");
  // XChaCha20-Poly1305 adds a 16-byte tag: anything else is not the file that was declared.
  if (input.ciphertext.size !== input.size + 16 || !/^[A-Za-z0-9_-]{32}$/.test(input.nonce)) throw new DomainError(400, "reports.errors.mediaInvalid", "media");
  let box;
  try {
    if (input.box.length > 300_000) throw new Error("too large");
    box = validateSealedBox(JSON.parse(input.box));
  } catch {
    throw new DomainError(400, "reports.errors.mediaInvalid", "media");
  }
  checkEnvelopes(box, await sealingRecipients(claims), "media");
  const ciphertext = new Uint8Array(await input.ciphertext.arrayBuffer());
  await record(claims, reportId, { sha256: input.sha256, contentType: input.contentType as MediaType, size: input.size, sealed: box, ciphertext, nonce: input.nonce });
}

export async function mediaOf(claims: Claims, reportId: string) {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("report_media")
      .select(["id", "sha256", "content_type", "size_bytes", "created_at"])
      .where("report_id", "=", reportId)
      .orderBy("created_at")
      .execute(),
  );
  return rows.map((r) => ({ id: r.id, sha256: r.sha256, contentType: r.content_type, size: Number(r.size_bytes), createdAt: new Date(r.created_at).toISOString() }));
}

