import { fromB64u, sealBytesWithKey, sealJson, sha256Hex } from "~/integrations/sealing";

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

/** What both the browser and the server bind a file's ciphertext to: its report and its hash. */
export const mediaAad = (reportId: string, sha256: string) => `${reportId}:media:${sha256}`;

/**
 * Seals one original file to the legal team's keys: a fresh content key for the file, its
 * metadata sealed as a box with the envelopes, the bytes sealed with the same key. Used in the
 * browser (before upload) and on the server (without JavaScript), so both produce the same thing.
 */
export function sealMedia(bytes: Uint8Array, reportId: string, contentType: MediaType, recipients: { keyId: string; publicKey: string }[]) {
  const sha256 = sha256Hex(bytes);
  const aad = mediaAad(reportId, sha256);
  const { sealed, contentKey } = sealJson(
    { v: 1, kind: "media", sha256, contentType, size: bytes.length },
    recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
    aad,
  );
  const { nonce, ciphertext } = sealBytesWithKey(bytes, contentKey, aad);
  contentKey.fill(0);
  return { sha256, sealed, nonce, ciphertext };
}
