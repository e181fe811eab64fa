import { createHmac, randomBytes } from "node:crypto";
import { type Claims, readAsUser, withUser } from "~/db/client.server";
import { DomainError, sqlState } from "~/db/errors.server";
import { fileStore } from "~/integrations/file-store.server";
import { sha256Hex, validateSealedBox } from "~/integrations/sealing";
import { UUID } from "~/utils/misc";
import { MEDIA_AAD_VERSION, MEDIA_TYPES, sealMedia, sniffMediaType, type MediaType } from "./media";
import { checkEnvelopes, sealingRecipients } from "./reports.server";

/** A form's upload key: 32 random bytes the report page renders for the form without JavaScript. */
const UPLOAD_KEY = /^[A-Za-z0-9_-]{43}$/;

export const newUploadKey = () => randomBytes(32).toString("base64url");

/**
 * The id of a medium posted without JavaScript: derived from the form's upload key and the file,
 * so a form posted twice stores each file once, and nobody without that key (it is in the page the
 * observer's phone holds, and nowhere on the server) can tell from the id which file it is.
 */
function plainMediaId(uploadKey: string | undefined, reportId: string, sha256: string) {
  if (!uploadKey || !UPLOAD_KEY.test(uploadKey)) return crypto.randomUUID();
  const id = createHmac("sha256", Buffer.from(uploadKey, "base64url")).update(`testigo/media-id/v1:${reportId.toLowerCase()}:${sha256}`).digest().subarray(0, 16);
  // An RFC 9562 uuid of version 8 (custom): 122 bits of the HMAC.
  id[6] = (id[6]! & 0x0f) | 0x80;
  id[8] = (id[8]! & 0x3f) | 0x80;
  const hex = id.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
  file: { id: string; contentType: MediaType; size: number; sealed: unknown; ciphertext: Uint8Array; nonce: string },
) {
  const storageKey = await fileStore().put(file.ciphertext);
  try {
    await withUser(claims, (trx) =>
      trx
        .insertInto("report_media")
        .values({
          id: file.id,
          report_id: reportId,
          uploaded_by: claims.sub,
          aad_v: MEDIA_AAD_VERSION,
          content_type: file.contentType,
          size_bytes: file.size,
          sealed: JSON.stringify(file.sealed),
          storage_key: storageKey,
          nonce: file.nonce,
        })
        // A retried upload carries the same id: it is stored once.
        .onConflict((oc) => oc.column("id").doNothing())
        .execute(),
    );
  } catch (error) {
    if (sqlState(error) === "42501") throw new DomainError(404, "reports.errors.notFound");
    throw error;
  }
}

/**
 * Without JavaScript: the original arrives here, is checked by its magic bytes, hashed, sealed to
 * the legal team's keys and stored as ciphertext. The plaintext and its hash live only in this
 * function (and the box). `uploadKey` is the posting form's (newUploadKey), for exactly-once.
 */
export async function attachPlainMedia(claims: Claims, reportId: string, file: File, uploadKey?: string) {
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
    const sha256 = sha256Hex(bytes);
    const id = plainMediaId(uploadKey, reportId, sha256);
    let sealedFile;
    try {
      sealedFile = sealMedia({ bytes, reportId, mediaId: id, contentType, sha256 }, recipients);
    } catch {
      throw new DomainError(409, "reports.errors.sealFailed", "media");
    }
    const { sealed, nonce, ciphertext } = sealedFile;
    await record(claims, reportId, { id, contentType, size: bytes.length, sealed, ciphertext, nonce });
  } finally {
    bytes.fill(0);
  }
}

/**
 * With JavaScript: the browser checked, hashed and sealed the file under an id it picked (sealMedia);
 * only ciphertext arrives, and nothing that says which file it is.
 */
export async function attachSealedMedia(
  claims: Claims,
  reportId: string,
  input: { mediaId: string; box: string; nonce: string; contentType: string; size: number; ciphertext: File },
) {
  await assertOwnReport(claims, reportId);
  const limit = await mediaLimitBytes(claims);
  if (!UUID.test(input.mediaId)) throw new DomainError(400, "reports.errors.mediaInvalid", "media");
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
  await record(claims, reportId, { id: input.mediaId.toLowerCase(), contentType: input.contentType as MediaType, size: input.size, sealed: box, ciphertext, nonce: input.nonce });
}

export async function mediaOf(claims: Claims, reportId: string) {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("report_media")
      .select(["id", "content_type", "size_bytes", "created_at"])
      .where("report_id", "=", reportId)
      .orderBy("created_at")
      .execute(),
  );
  return rows.map((r) => ({ id: r.id, contentType: r.content_type, size: Number(r.size_bytes), createdAt: new Date(r.created_at).toISOString() }));
}

