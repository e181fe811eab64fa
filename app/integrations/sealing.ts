/**
 * Sealing of P2 report data (docs/PRODUCT.md "Data sensitivity", ARCHITECTURE.md "sealing").
 *
 * Isomorphic: runs in the browser (where observers seal before upload) and in Node (where the
 * server seals no-JS submissions on receipt and validates uploaded ciphertext). No Node imports.
 * Built only on the audited noble libraries; this file is wiring, not cryptography.
 *
 * Format v1, per report:
 *   contentKey  = 32 random bytes
 *   payload     = XChaCha20-Poly1305(contentKey, nonce24, aad = report id).encrypt(UTF-8 JSON)
 *   per recipient (legal team member's X25519 public key):
 *     eph        = fresh X25519 key pair
 *     shared     = X25519(eph.priv, recipientPub)          (all-zero / low-order rejected)
 *     wrapKey    = HKDF-SHA256(ikm = shared, salt = eph.pub || recipientPub, info = "testigo/seal/v1", 32)
 *     wrapped    = XChaCha20-Poly1305(wrapKey, nonce24, aad = keyId).encrypt(contentKey)
 * Media files are encrypted with the same content key (sealBytesWithKey); give each file its own
 * aad (e.g. `${clientUuid}/media/${mediaId}`) so files cannot be swapped between slots or reports.
 *
 * All binary values in JSON are base64url without padding (canonical; anything else is refused).
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";

export const SEAL_ALG = "x25519-hkdf-sha256+xchacha20poly1305";
export const SEAL_INFO = "testigo/seal/v1";
const KEYWRAP_AAD = "testigo/keywrap/v1";

/** Size caps, enforced both when sealing and when validating what a browser uploads. */
export const MAX_CIPHERTEXT_B64U = 256 * 1024;
export const MAX_ENVELOPES = 50;

const KEY_LEN = 32;
const NONCE_LEN = 24;
const TAG_LEN = 16;

export class SealingError extends Error {
  override name = "SealingError";
}

// ---------------------------------------------------------------------------------------------
// Randomness. Production always uses the platform CSPRNG; `random` exists so tests can pin
// known-answer vectors. Never pass it outside tests.

export type RandomSource = (length: number) => Uint8Array;
export interface RandomOption {
  /** Tests only: a deterministic byte source. Defaults to `crypto.getRandomValues`. */
  random?: RandomSource;
}

const secureRandom: RandomSource = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
};

function take(opts: RandomOption | undefined, length: number): Uint8Array {
  const bytes = (opts?.random ?? secureRandom)(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new SealingError(`Random source returned ${bytes.length} bytes, expected ${length}`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// base64url without padding

const B64U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64U_LOOKUP = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < B64U.length; i++) table[B64U.charCodeAt(i)] = i;
  return table;
})();

export function toB64u(bytes: Uint8Array): string {
  const chars: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chars.push(B64U.charAt(n >>> 18), B64U.charAt((n >>> 12) & 63), B64U.charAt((n >>> 6) & 63), B64U.charAt(n & 63));
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    chars.push(B64U.charAt(n >>> 18), B64U.charAt((n >>> 12) & 63));
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    chars.push(B64U.charAt(n >>> 18), B64U.charAt((n >>> 12) & 63), B64U.charAt((n >>> 6) & 63));
  }
  return chars.join("");
}

/** Strict decoder: only the base64url alphabet, no padding, no whitespace, canonical trailing bits. */
export function fromB64u(text: string): Uint8Array {
  if (typeof text !== "string" || text.length % 4 === 1) throw new SealingError("Invalid base64url");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? B64U_LOOKUP[code]! : -1;
    if (v < 0) throw new SealingError("Invalid base64url");
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or two different strings would decode to the same bytes.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new SealingError("Invalid base64url");
  return out;
}

/** Encoded length of n bytes, without padding. */
const b64uLength = (n: number) => Math.ceil((n * 4) / 3);

// ---------------------------------------------------------------------------------------------
// Small helpers

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/**
 * First 128 bits of SHA-256(publicKey) in groups of four hex digits, for people to compare aloud.
 * The database computes the same (private.key_fingerprint) and stores it without spaces.
 */
export function publicKeyFingerprint(publicKey: Uint8Array): string {
  assertLength(publicKey, KEY_LEN, "publicKey");
  return groupFingerprint(sha256Hex(publicKey).slice(0, 32));
}

/** "6235 5fe7 …" from the database's 32 hex digits (anything else is shown as it is). */
export function groupFingerprint(hex: string): string {
  return /^[0-9a-f]{32}$/.test(hex) ? hex.match(/.{4}/g)!.join(" ") : hex;
}

function assertLength(bytes: Uint8Array, length: number, what: string) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new SealingError(`${what} must be ${length} bytes`);
  }
}

function assertAad(aad: string) {
  if (typeof aad !== "string" || aad.length === 0) throw new SealingError("aad must be a non-empty string");
}

const isAllZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

/** AEAD open that turns a tag mismatch into one clear error. */
function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, what: string): Uint8Array {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    throw new SealingError(`${what}: authentication failed (wrong key, wrong associated data, or tampered data)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Keys and recipients

export type Recipient = { keyId: string; publicKey: Uint8Array };

/** Key ids: printable ASCII without spaces, 1..128 characters (UUIDs, fingerprints, slugs). */
const KEY_ID_RE = /^[\x21-\x7e]{1,128}$/;

export function generateKeyPair(opts?: RandomOption): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const privateKey = take(opts, KEY_LEN);
  return { publicKey: x25519.getPublicKey(privateKey), privateKey };
}

/** The public half of an X25519 private key: to check an unwrapped key is the registered one. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

function wrappingKey(shared: Uint8Array, epk: Uint8Array, recipientPub: Uint8Array): Uint8Array {
  if (isAllZero(shared)) throw new SealingError("X25519 produced an all-zero shared secret");
  return hkdf(sha256, shared, concatBytes(epk, recipientPub), utf8ToBytes(SEAL_INFO), KEY_LEN);
}

// ---------------------------------------------------------------------------------------------
// Sealed box

export type Envelope = { keyId: string; epk: string; nonce: string; wrapped: string };
export type SealedBox = {
  v: 1;
  alg: typeof SEAL_ALG;
  nonce: string;
  ciphertext: string;
  envelopes: Envelope[];
};

/**
 * Structural checks of untrusted input without zod (13 KB gzip that every page sealing in the
 * browser would download): each rule says what is wrong with a value, or null.
 */
type Rule = (value: unknown) => string | null;

const decodes = (s: string) => {
  try {
    fromB64u(s);
    return true;
  } catch {
    return false;
  }
};

/** A base64url string that decodes to exactly `bytes` bytes. */
const b64uExact =
  (bytes: number): Rule =>
  (v) =>
    typeof v !== "string"
      ? "expected a string"
      : v.length !== b64uLength(bytes)
        ? `must be ${b64uLength(bytes)} characters`
        : decodes(v)
          ? null
          : "must be canonical base64url";

const literal =
  (expected: string | number): Rule =>
  (v) =>
    v === expected ? null : `must be ${JSON.stringify(expected)}`;

const number: Rule = (v) => (typeof v === "number" && !Number.isNaN(v) ? null : "expected a number");

const keyId: Rule = (v) => (typeof v === "string" && KEY_ID_RE.test(v) ? null : "invalid keyId");

/** A plain object with exactly these fields: a fresh copy of them, problems pushed with their path. */
function strictObject(value: unknown, rules: Record<string, Rule>, path: string, problems: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${path || "(root)"}: expected an object`);
    return copy;
  }
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(rules, key)) problems.push(`${path || "(root)"}: unrecognized key ${JSON.stringify(key.slice(0, 64))}`);
  }
  for (const [key, rule] of Object.entries(rules)) {
    const field = (value as Record<string, unknown>)[key];
    const problem = rule(field);
    if (problem) problems.push(`${path ? `${path}.` : ""}${key}: ${problem}`);
    else copy[key] = field;
  }
  return copy;
}

const envelopeRules: Record<string, Rule> = {
  keyId,
  epk: b64uExact(KEY_LEN),
  nonce: b64uExact(NONCE_LEN),
  wrapped: b64uExact(KEY_LEN + TAG_LEN),
};

const sealedBoxRules: Record<string, Rule> = {
  v: literal(1),
  alg: literal(SEAL_ALG),
  nonce: b64uExact(NONCE_LEN),
  ciphertext: (v) =>
    typeof v !== "string"
      ? "expected a string"
      : v.length < b64uLength(TAG_LEN + 1) || v.length > MAX_CIPHERTEXT_B64U
        ? "wrong length"
        : decodes(v)
          ? null
          : "must be canonical base64url",
  envelopes: (v) => (!Array.isArray(v) ? "expected an array" : v.length < 1 || v.length > MAX_ENVELOPES ? `must have 1 to ${MAX_ENVELOPES}` : null),
};

/** Strict structural check of untrusted input (e.g. a browser upload). Returns a fresh, typed copy. */
export function validateSealedBox(value: unknown): SealedBox {
  // Cheap caps first: the checks below would otherwise still walk a huge array or decode a huge string.
  if (typeof value === "object" && value !== null) {
    const { ciphertext, envelopes } = value as { ciphertext?: unknown; envelopes?: unknown };
    if (typeof ciphertext === "string" && ciphertext.length > MAX_CIPHERTEXT_B64U) {
      throw new SealingError("Invalid sealed box: ciphertext too large");
    }
    if (Array.isArray(envelopes) && envelopes.length > MAX_ENVELOPES) {
      throw new SealingError("Invalid sealed box: too many envelopes");
    }
  }
  const problems: string[] = [];
  const box = strictObject(value, sealedBoxRules, "", problems);
  if (Array.isArray(box.envelopes)) {
    box.envelopes = box.envelopes.map((envelope, i) => strictObject(envelope, envelopeRules, `envelopes.${i}`, problems));
    const ids = (box.envelopes as { keyId?: unknown }[]).map((e) => e.keyId);
    if (new Set(ids).size !== ids.length) problems.push("envelopes: duplicate keyId");
  }
  if (problems.length) throw new SealingError(`Invalid sealed box: ${problems.slice(0, 5).join("; ")}`);
  return box as SealedBox;
}

/**
 * Seals a JSON value to every recipient. Returns the box (safe to store anywhere) and the content
 * key, which the caller uses for the report's media and must then drop.
 */
export function sealJson(
  value: unknown,
  recipients: Recipient[],
  aad: string,
  opts?: RandomOption,
): { sealed: SealedBox; contentKey: Uint8Array } {
  assertAad(aad);
  if (!Array.isArray(recipients) || recipients.length === 0) throw new SealingError("At least one recipient is required");
  if (recipients.length > MAX_ENVELOPES) throw new SealingError(`At most ${MAX_ENVELOPES} recipients`);
  const seen = new Set<string>();
  for (const r of recipients) {
    if (typeof r.keyId !== "string" || !KEY_ID_RE.test(r.keyId)) throw new SealingError("Invalid recipient keyId");
    if (seen.has(r.keyId)) throw new SealingError(`Duplicate recipient keyId ${r.keyId}`);
    seen.add(r.keyId);
    assertLength(r.publicKey, KEY_LEN, `publicKey of ${r.keyId}`);
  }

  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (typeof json !== "string") throw new SealingError("Value is not JSON-serialisable");
  const plaintext = utf8ToBytes(json);
  if (b64uLength(plaintext.length + TAG_LEN) > MAX_CIPHERTEXT_B64U) throw new SealingError("Sealed payload too large");

  const contentKey = take(opts, KEY_LEN);
  const nonce = take(opts, NONCE_LEN);
  const ciphertext = xchacha20poly1305(contentKey, nonce, utf8ToBytes(aad)).encrypt(plaintext);

  const envelopes = recipients.map((recipient) => envelopeFor(contentKey, recipient, opts));

  const sealed: SealedBox = { v: 1, alg: SEAL_ALG, nonce: toB64u(nonce), ciphertext: toB64u(ciphertext), envelopes };
  return { sealed, contentKey };
}

/**
 * One recipient's envelope for a content key: used when sealing, and when an attorney who opened a
 * box gives a colleague (or the recovery key gives an attorney) access to it without changing it.
 */
export function envelopeFor(contentKey: Uint8Array, { keyId, publicKey }: Recipient, opts?: RandomOption): Envelope {
  assertLength(contentKey, KEY_LEN, "contentKey");
  if (typeof keyId !== "string" || !KEY_ID_RE.test(keyId)) throw new SealingError("Invalid recipient keyId");
  assertLength(publicKey, KEY_LEN, `publicKey of ${keyId}`);
  const ephPriv = take(opts, KEY_LEN);
  const epk = x25519.getPublicKey(ephPriv);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(ephPriv, publicKey);
  } catch {
    throw new SealingError(`Unusable public key for ${keyId}`);
  } finally {
    ephPriv.fill(0);
  }
  const wrapKey = wrappingKey(shared, epk, publicKey);
  shared.fill(0);
  const envNonce = take(opts, NONCE_LEN);
  const wrapped = xchacha20poly1305(wrapKey, envNonce, utf8ToBytes(keyId)).encrypt(contentKey);
  wrapKey.fill(0);
  return { keyId, epk: toB64u(epk), nonce: toB64u(envNonce), wrapped: toB64u(wrapped) };
}

/** Strict check of one envelope from untrusted input. */
export function validateEnvelope(value: unknown): Envelope {
  const problems: string[] = [];
  const envelope = strictObject(value, envelopeRules, "", problems);
  if (problems.length) throw new SealingError("Invalid envelope");
  return envelope as Envelope;
}

/** Recovers the content key with the recipient's private key. */
export function openEnvelope(box: SealedBox, keyId: string, privateKey: Uint8Array): Uint8Array {
  const checked = validateSealedBox(box);
  assertLength(privateKey, KEY_LEN, "privateKey");
  const envelope = checked.envelopes.find((e) => e.keyId === keyId);
  if (!envelope) throw new SealingError(`No envelope for key ${keyId}`);
  const epk = fromB64u(envelope.epk);
  const recipientPub = x25519.getPublicKey(privateKey);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, epk);
  } catch {
    throw new SealingError(`Envelope for key ${keyId}: authentication failed (invalid ephemeral key)`);
  }
  const wrapKey = wrappingKey(shared, epk, recipientPub);
  shared.fill(0);
  const contentKey = aeadOpen(
    wrapKey,
    fromB64u(envelope.nonce),
    utf8ToBytes(keyId),
    fromB64u(envelope.wrapped),
    `Envelope for key ${keyId}`,
  );
  wrapKey.fill(0);
  return contentKey;
}

export function openJson(box: SealedBox, contentKey: Uint8Array, aad: string): unknown {
  const checked = validateSealedBox(box);
  assertLength(contentKey, KEY_LEN, "contentKey");
  assertAad(aad);
  const plaintext = aeadOpen(
    contentKey,
    fromB64u(checked.nonce),
    utf8ToBytes(aad),
    fromB64u(checked.ciphertext),
    "Sealed payload",
  );
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
}

// ---------------------------------------------------------------------------------------------
// Media, with a report's content key

export type SealedBytes = { nonce: string; ciphertext: Uint8Array };

export function sealBytesWithKey(bytes: Uint8Array, contentKey: Uint8Array, aad: string, opts?: RandomOption): SealedBytes {
  assertLength(contentKey, KEY_LEN, "contentKey");
  assertAad(aad);
  if (!(bytes instanceof Uint8Array)) throw new SealingError("bytes must be a Uint8Array");
  const nonce = take(opts, NONCE_LEN);
  return { nonce: toB64u(nonce), ciphertext: xchacha20poly1305(contentKey, nonce, utf8ToBytes(aad)).encrypt(bytes) };
}

export function openBytesWithKey(sealed: SealedBytes, contentKey: Uint8Array, aad: string): Uint8Array {
  assertLength(contentKey, KEY_LEN, "contentKey");
  assertAad(aad);
  const nonce = fromB64u(sealed.nonce);
  assertLength(nonce, NONCE_LEN, "nonce");
  if (!(sealed.ciphertext instanceof Uint8Array) || sealed.ciphertext.length < TAG_LEN) {
    throw new SealingError("Sealed file: ciphertext too short");
  }
  return aeadOpen(contentKey, nonce, utf8ToBytes(aad), sealed.ciphertext, "Sealed file");
}

// ---------------------------------------------------------------------------------------------
// Passphrase protection of a private key (attorneys' keys never leave the browser unencrypted)

export type ScryptParams = { N: number; r: number; p: number };
export const STRONG_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

export type WrappedPrivateKey = {
  v: 1;
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  ciphertext: string;
};

/** Bounds for both wrapping and unwrapping, so a hostile stored blob cannot demand unbounded work. */
function assertScryptParams({ N, r, p }: ScryptParams) {
  const okN = Number.isInteger(N) && N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0;
  const okR = r === 8;
  const okP = Number.isInteger(p) && p >= 1 && p <= 4;
  if (!okN || !okR || !okP) throw new SealingError("scrypt parameters out of bounds (N 2^10..2^20, r 8, p 1..4)");
}

const SALT_LEN = 16;

const wrappedPrivateKeyRules: Record<string, Rule> = {
  v: literal(1),
  kdf: literal("scrypt"),
  N: number,
  r: number,
  p: number,
  salt: b64uExact(SALT_LEN),
  nonce: b64uExact(NONCE_LEN),
  ciphertext: b64uExact(KEY_LEN + TAG_LEN),
};

export function validateWrappedPrivateKey(value: unknown): WrappedPrivateKey {
  const problems: string[] = [];
  const wrapped = strictObject(value, wrappedPrivateKeyRules, "", problems) as WrappedPrivateKey;
  if (problems.length) throw new SealingError("Invalid wrapped private key");
  assertScryptParams(wrapped);
  return wrapped;
}

async function passphraseKey(passphrase: string, salt: Uint8Array, { N, r, p }: ScryptParams): Promise<Uint8Array> {
  if (typeof passphrase !== "string" || passphrase.length === 0) throw new SealingError("Passphrase required");
  // NFC so the same passphrase typed on different devices gives the same key.
  return scryptAsync(utf8ToBytes(passphrase.normalize("NFC")), salt, {
    N,
    r,
    p,
    dkLen: KEY_LEN,
    maxmem: 128 * r * (N + p + 1),
  });
}

/** Encrypts a private key under a passphrase. Weaker-than-default params only by explicit argument. */
export async function wrapPrivateKey(
  privateKey: Uint8Array,
  passphrase: string,
  params: ScryptParams = STRONG_SCRYPT,
  opts?: RandomOption,
): Promise<WrappedPrivateKey> {
  assertLength(privateKey, KEY_LEN, "privateKey");
  const { N, r, p } = params;
  assertScryptParams({ N, r, p });
  const salt = take(opts, SALT_LEN);
  const nonce = take(opts, NONCE_LEN);
  const key = await passphraseKey(passphrase, salt, { N, r, p });
  const ciphertext = xchacha20poly1305(key, nonce, utf8ToBytes(KEYWRAP_AAD)).encrypt(privateKey);
  key.fill(0);
  return { v: 1, kdf: "scrypt", N, r, p, salt: toB64u(salt), nonce: toB64u(nonce), ciphertext: toB64u(ciphertext) };
}

/** Throws SealingError on a wrong passphrase, a tampered blob, or out-of-bounds parameters. */
export async function unwrapPrivateKey(wrapped: WrappedPrivateKey, passphrase: string): Promise<Uint8Array> {
  const checked = validateWrappedPrivateKey(wrapped);
  const key = await passphraseKey(passphrase, fromB64u(checked.salt), checked);
  try {
    return aeadOpen(key, fromB64u(checked.nonce), utf8ToBytes(KEYWRAP_AAD), fromB64u(checked.ciphertext), "Private key");
  } catch {
    throw new SealingError("Wrong passphrase or corrupted key file");
  } finally {
    key.fill(0);
  }
}
