import { fromB64u, openBytesWithKey, openJson, SealingError, sealBytesWithKey, sealJson, sha256Hex, validateSealedBox } from "~/integrations/sealing";

/** The media types observers may attach, recognised by their first bytes, never by name or claim. */
export const MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "video/mp4", "video/quicktime", "video/webm", "video/3gpp"] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/** The type the file's magic bytes say it is, or null when it is none of ours. */
export function sniffMediaType(bytes: Uint8Array): MediaType | null {
  if (bytes.length < 12) return null;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes[0] === 0x89 && ascii(bytes, 1, 4) === "PNG" && bytes[4] === 0x0d && bytes[5] === 0x0a) return "image/png";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "image/webp";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return "video/webm";
  if (ascii(bytes, 4, 8) === "ftyp") {
    const brand = ascii(bytes, 8, 12);
    if (["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].includes(brand)) return "image/heic";
    if (brand === "qt  ") return "video/quicktime";
    if (brand.startsWith("3g")) return "video/3gpp";
    if (["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "dash", "MSNV"].includes(brand)) return "video/mp4";
  }
  return null;
}

/** The version of the associated data media are sealed with now (security review, finding 4). */
export const MEDIA_AAD_VERSION = 2;

/**
 * The associated data a medium's box and bytes are bound to. Since aad_v 2 its report and its own
 * id, so its box opens only as that medium of that report, and nothing outside the box says which
 * file it is; aad_v 1 (media sealed before) its report and the original's SHA-256, which those rows
 * still hold. supabase/migrations/*_media_aad.sql says the same in SQL.
 */
export function mediaAad(reportId: string, medium: { id: string; aadV: number; sha256?: string | null }) {
  // Lower case, as the database writes uuids, whatever case a URL or a form had.
  if (medium.aadV === 2) return `media:${reportId.toLowerCase()}:${medium.id.toLowerCase()}`;
  if (!medium.sha256) throw new SealingError("A medium of aad_v 1 needs its recorded SHA-256");
  return `${reportId}:media:${medium.sha256}`;
}

/**
 * Seals one original file to the legal team's keys under its own id: a fresh content key for the
 * file, its metadata (with the original's SHA-256) sealed as a box with the envelopes, the bytes
 * sealed with the same key. Used in the browser (before upload) and on the server (without
 * JavaScript), so both produce the same thing. `sha256`, when the sealer has hashed the file
 * already, saves hashing it twice; outside the box it is never sent or stored.
 */
export function sealMedia(
  file: { bytes: Uint8Array; reportId: string; mediaId: string; contentType: MediaType; sha256?: string },
  recipients: { keyId: string; publicKey: string }[],
) {
  const sha256 = file.sha256 ?? sha256Hex(file.bytes);
  const aad = mediaAad(file.reportId, { id: file.mediaId, aadV: MEDIA_AAD_VERSION });
  const { sealed, contentKey } = sealJson(
    { v: 1, kind: "media", sha256, contentType: file.contentType, size: file.bytes.length },
    recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
    aad,
  );
  const { nonce, ciphertext } = sealBytesWithKey(file.bytes, contentKey, aad);
  contentKey.fill(0);
  return { sealed, nonce, ciphertext };
}

/**
 * Opens one medium in the attorney's browser with its content key: the original's bytes, the
 * SHA-256 recorded for it when it was sealed (in its box; for aad_v 1 also on its row, and then
 * both must agree) and whether the bytes are that file. Throws when the box or the bytes do not
 * open under the medium's associated data (wrong key, moved, or tampered with).
 */
export function openMedium(medium: { sealed: unknown; nonce: string; aad: string; sha256: string | null }, ciphertext: Uint8Array, contentKey: Uint8Array) {
  const meta = openJson(validateSealedBox(medium.sealed), contentKey, medium.aad) as { sha256?: unknown };
  const inBox = typeof meta.sha256 === "string" ? meta.sha256 : null;
  const recorded = medium.sha256 ?? inBox;
  const bytes = openBytesWithKey({ nonce: medium.nonce, ciphertext }, contentKey, medium.aad);
  const sha256 = sha256Hex(bytes);
  const matches = recorded !== null && sha256 === recorded && (inBox === null || inBox === recorded);
  return { bytes, sha256, recorded, matches };
}
