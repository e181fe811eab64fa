import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from "node:crypto";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_CIPHERTEXT_B64U,
  MAX_ENVELOPES,
  SEAL_INFO,
  STRONG_SCRYPT,
  SealingError,
  fromB64u,
  generateKeyPair,
  openBytesWithKey,
  openEnvelope,
  openJson,
  publicKeyFingerprint,
  groupFingerprint,
  sealBytesWithKey,
  sealJson,
  sha256Hex,
  toB64u,
  unwrapPrivateKey,
  validateSealedBox,
  validateWrappedPrivateKey,
  wrapPrivateKey,
  type Recipient,
  type SealedBox,
  type WrappedPrivateKey,
} from "./sealing";

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8 = (s: string) => new TextEncoder().encode(s);

// RFC 7748 §6.1
const ALICE_PRIV = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const ALICE_PUB = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
const BOB_PRIV = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
const BOB_PUB = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
const RFC7748_SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

const SMALL_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
const REPORT = "8c0b6a52-3a3e-4a8e-9d7b-0f2d7c1e5a11";

/** Deterministic byte source for known-answer vectors (tests only). */
function counterRandom() {
  let c = 0;
  return (n: number) => Uint8Array.from({ length: n }, () => (c++ * 7 + 1) & 0xff);
}

function party(keyId: string) {
  const { publicKey, privateKey } = generateKeyPair();
  return { keyId, publicKey, privateKey, recipient: { keyId, publicKey } satisfies Recipient };
}

describe("primitive known-answer vectors", () => {
  it("X25519: RFC 7748 §6.1", () => {
    expect(toHex(x25519.getPublicKey(ALICE_PRIV))).toBe(toHex(ALICE_PUB));
    expect(toHex(x25519.getPublicKey(BOB_PRIV))).toBe(toHex(BOB_PUB));
    expect(toHex(x25519.getSharedSecret(ALICE_PRIV, BOB_PUB))).toBe(RFC7748_SHARED);
    expect(toHex(x25519.getSharedSecret(BOB_PRIV, ALICE_PUB))).toBe(RFC7748_SHARED);
  });

  it("XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 §A.3.1", () => {
    const key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657");
    const aad = hex("50515253c0c1c2c3c4c5c6c7");
    const plaintext = utf8(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const expected =
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb" +
      "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452" +
      "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9" +
      "21f9664c97637da9768812f615c68b13b52e" +
      "c0875924c1c7987947deafd8780acf49"; // tag
    expect(toHex(xchacha20poly1305(key, nonce, aad).encrypt(plaintext))).toBe(expected);
    expect(xchacha20poly1305(key, nonce, aad).decrypt(hex(expected))).toEqual(plaintext);
  });

  it("HKDF-SHA256: RFC 5869 test case 1", () => {
    const okm = hkdf(sha256, hex("0b".repeat(22)), hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"), 42);
    expect(toHex(okm)).toBe("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  });

  it("scrypt: RFC 7914 §12 (password / NaCl, N=1024, r=8, p=16)", async () => {
    const dk = await scryptAsync("password", "NaCl", { N: 1024, r: 8, p: 16, dkLen: 64 });
    expect(toHex(dk)).toBe(
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162" +
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    );
  });

  it("SHA-256: FIPS 180-2 'abc'", () => {
    expect(sha256Hex(utf8("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("base64url", () => {
  it("matches Node's encoder and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toB64u(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(fromB64u(text)).toEqual(bytes);
      }),
    );
  });

  it("refuses padding, foreign alphabets, impossible lengths and non-canonical trailing bits", () => {
    for (const bad of ["AA==", "A+/B", "AAAAA", "AB", "AAB", " AAA", "AA\n"]) {
      expect(() => fromB64u(bad), bad).toThrow(SealingError);
    }
    expect(fromB64u("AA")).toEqual(new Uint8Array([0]));
    expect(fromB64u("")).toEqual(new Uint8Array([]));
  });
});

describe("envelope format v1", () => {
  const value = { name: "Ana", aNumber: null, consent: true };
  const recipients = [
    { keyId: "attorney-alice", publicKey: ALICE_PUB },
    { keyId: "attorney-bob", publicKey: BOB_PUB },
  ];
  // Changing this vector means changing the stored format: bump `v` and keep reading v1.
  const VECTOR: SealedBox = {
    v: 1,
    alg: "x25519-hkdf-sha256+xchacha20poly1305",
    nonce: "4ejv9v0ECxIZICcuNTxDSlFYX2ZtdHuC",
    ciphertext: "r9m30uDtFN9r67v7i2RZXhMucMiPsuide4JQzV7LVatEbc8nTGoRfaO1tTAd-WIH_M1bHHxvNCIqAbrd",
    envelopes: [
      {
        keyId: "attorney-alice",
        epk: "S9WSWUScNyf583lCLyc4TZgC74iTU2LnZpCB5y1HL2c",
        nonce: "aXB3foWMk5qhqK-2vcTL0tng5-71_AMK",
        wrapped: "t2OmqizMGcW7SHKKiFM5QaOtkhxYoZe36O88Bszza4dKRlfzyGpCU_t1xrgzR3cH",
      },
      {
        keyId: "attorney-bob",
        epk: "5SuUCtGCz-1ZViTaqqiS9o8U1SxJrpAWtquHDggOgwA",
        nonce: "8fj_Bg0UGyIpMDc-RUxTWmFob3Z9hIuS",
        wrapped: "omdtOPduUxKRtVwOfRppbK3WG7VUayNWmi77PHWwng20oH_dukVYlTALLBWNnbRE",
      },
    ],
  };
  const CONTENT_KEY = "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da";

  it("fixed randomness gives the exact expected box", () => {
    const { sealed, contentKey } = sealJson(value, recipients, REPORT, { random: counterRandom() });
    expect(JSON.stringify(sealed)).toBe(JSON.stringify(VECTOR));
    expect(toHex(contentKey)).toBe(CONTENT_KEY);
  });

  it("the vector opens with the RFC 7748 private keys", () => {
    for (const [keyId, priv] of [
      ["attorney-alice", ALICE_PRIV],
      ["attorney-bob", BOB_PRIV],
    ] as const) {
      const key = openEnvelope(VECTOR, keyId, priv);
      expect(toHex(key)).toBe(CONTENT_KEY);
      expect(openJson(VECTOR, key, REPORT)).toEqual(value);
    }
  });

  it("the wrapping key derivation matches an independent implementation (node:crypto)", () => {
    // X25519 and HKDF from OpenSSL, only the AEAD from noble: proves salt order and info string.
    const env = VECTOR.envelopes[1]!;
    const epk = fromB64u(env.epk);
    const privateKey = createPrivateKey({
      key: Buffer.concat([hex("302e020100300506032b656e04220420"), BOB_PRIV]),
      format: "der",
      type: "pkcs8",
    });
    const publicKey = createPublicKey({
      key: Buffer.concat([hex("302a300506032b656e032100"), epk]),
      format: "der",
      type: "spki",
    });
    const shared = diffieHellman({ privateKey, publicKey });
    const wrapKey = new Uint8Array(hkdfSync("sha256", shared, Buffer.concat([epk, BOB_PUB]), SEAL_INFO, 32));
    const contentKey = xchacha20poly1305(wrapKey, fromB64u(env.nonce), utf8(env.keyId)).decrypt(fromB64u(env.wrapped));
    expect(toHex(contentKey)).toBe(CONTENT_KEY);
  });
});

describe("sealJson / openEnvelope / openJson", () => {
  const payload = { detained: [{ name: "José Pérez", born: "1990-01-01", aNumber: "A123456789" }], note: "ñ ✓ 😀" };

  it("round-trips with one recipient", () => {
    const a = party("a");
    const { sealed, contentKey } = sealJson(payload, [a.recipient], REPORT);
    expect(validateSealedBox(JSON.parse(JSON.stringify(sealed)))).toEqual(sealed);
    const key = openEnvelope(sealed, "a", a.privateKey);
    expect(key).toEqual(contentKey);
    expect(openJson(sealed, key, REPORT)).toEqual(payload);
  });

  it("round-trips with three recipients, each opening independently", () => {
    const people = [party("a"), party("b"), party("c")];
    const { sealed } = sealJson(
      payload,
      people.map((p) => p.recipient),
      REPORT,
    );
    expect(sealed.envelopes.map((e) => e.keyId)).toEqual(["a", "b", "c"]);
    expect(new Set(sealed.envelopes.map((e) => e.epk)).size).toBe(3);
    for (const p of people) {
      expect(openJson(sealed, openEnvelope(sealed, p.keyId, p.privateKey), REPORT)).toEqual(payload);
    }
  });

  it("a non-recipient cannot open", () => {
    const a = party("a");
    const mallory = party("mallory");
    const { sealed } = sealJson(payload, [a.recipient], REPORT);
    expect(() => openEnvelope(sealed, "mallory", mallory.privateKey)).toThrow(/No envelope for key mallory/);
    expect(() => openEnvelope(sealed, "a", mallory.privateKey)).toThrow(/authentication failed/);
    expect(() => openJson(sealed, generateKeyPair().privateKey, REPORT)).toThrow(/authentication failed/);
  });

  describe("tampering is detected", () => {
    const a = party("a");
    const b = party("b");
    const { sealed, contentKey } = sealJson(payload, [a.recipient, b.recipient], REPORT);
    const flip = (text: string, byte = 0) => {
      const bytes = fromB64u(text);
      bytes[byte] = bytes[byte]! ^ 1;
      return toB64u(bytes);
    };
    const clone = (): SealedBox => structuredClone(sealed);

    it("ciphertext", () => {
      const box = clone();
      box.ciphertext = flip(box.ciphertext, 3);
      expect(() => openJson(box, contentKey, REPORT)).toThrow(/Sealed payload: authentication failed/);
      const tag = clone();
      tag.ciphertext = flip(tag.ciphertext, fromB64u(tag.ciphertext).length - 1);
      expect(() => openJson(tag, contentKey, REPORT)).toThrow(SealingError);
    });

    it("payload nonce", () => {
      const box = clone();
      box.nonce = flip(box.nonce);
      expect(() => openJson(box, contentKey, REPORT)).toThrow(/authentication failed/);
    });

    it("aad (another report's id)", () => {
      expect(() => openJson(sealed, contentKey, "another-report")).toThrow(/authentication failed/);
    });

    it("envelope epk", () => {
      const box = clone();
      box.envelopes[0]!.epk = flip(box.envelopes[0]!.epk, 5);
      expect(() => openEnvelope(box, "a", a.privateKey)).toThrow(/authentication failed/);
      expect(openEnvelope(box, "b", b.privateKey)).toEqual(contentKey);
    });

    it("envelope nonce and wrapped key", () => {
      const n = clone();
      n.envelopes[0]!.nonce = flip(n.envelopes[0]!.nonce);
      expect(() => openEnvelope(n, "a", a.privateKey)).toThrow(/authentication failed/);
      const w = clone();
      w.envelopes[0]!.wrapped = flip(w.envelopes[0]!.wrapped);
      expect(() => openEnvelope(w, "a", a.privateKey)).toThrow(/authentication failed/);
    });

    it("keyId (envelope relabelled)", () => {
      const box = clone();
      box.envelopes[0]!.keyId = "a2";
      expect(() => openEnvelope(box, "a2", a.privateKey)).toThrow(/authentication failed/);
      expect(() => openEnvelope(box, "a", a.privateKey)).toThrow(/No envelope/);
    });

    it("envelope moved into another report's box", () => {
      const other = sealJson({ x: 1 }, [a.recipient], "other").sealed;
      const box = clone();
      box.envelopes[0] = other.envelopes[0]!;
      const wrongKey = openEnvelope(box, "a", a.privateKey);
      expect(() => openJson(box, wrongKey, REPORT)).toThrow(/authentication failed/);
    });
  });

  it("rejects bad input when sealing", () => {
    const a = party("a");
    expect(() => sealJson(payload, [], REPORT)).toThrow(/At least one recipient/);
    expect(() => sealJson(payload, [a.recipient, { ...a.recipient }], REPORT)).toThrow(/Duplicate/);
    expect(() => sealJson(payload, [{ keyId: "x", publicKey: new Uint8Array(31) }], REPORT)).toThrow(/32 bytes/);
    expect(() => sealJson(payload, [{ keyId: "x", publicKey: new Uint8Array(32) }], REPORT)).toThrow(/Unusable public key/);
    expect(() => sealJson(payload, [{ keyId: "has space", publicKey: a.publicKey }], REPORT)).toThrow(/keyId/);
    expect(() => sealJson(payload, [a.recipient], "")).toThrow(/aad/);
    expect(() => sealJson(undefined, [a.recipient], REPORT)).toThrow(/JSON/);
    expect(() => sealJson({ n: 1n }, [a.recipient], REPORT)).toThrow(/JSON/);
    expect(() => sealJson("x".repeat(MAX_CIPHERTEXT_B64U), [a.recipient], REPORT)).toThrow(/too large/);
    const many = Array.from({ length: MAX_ENVELOPES + 1 }, (_, i) => ({ keyId: `k${i}`, publicKey: a.publicKey }));
    expect(() => sealJson(payload, many, REPORT)).toThrow(/At most/);
  });

  it("round-trips arbitrary JSON values (property)", () => {
    const a = party("a");
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { sealed } = sealJson(value, [a.recipient], REPORT);
        const opened = openJson(validateSealedBox(sealed), openEnvelope(sealed, "a", a.privateKey), REPORT);
        expect(opened).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("media with a report's content key", () => {
  it("round-trips and is bound to its aad and key", () => {
    const a = party("a");
    const { contentKey } = sealJson({}, [a.recipient], REPORT);
    const file = new Uint8Array(100_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
    const aad = `${REPORT}/media/1`;
    const sealed = sealBytesWithKey(file, contentKey, aad);
    expect(sealed.ciphertext.length).toBe(file.length + 16);
    expect(openBytesWithKey(sealed, contentKey, aad)).toEqual(file);
    expect(() => openBytesWithKey(sealed, contentKey, `${REPORT}/media/2`)).toThrow(/Sealed file: authentication failed/);
    expect(() => openBytesWithKey(sealed, generateKeyPair().privateKey, aad)).toThrow(/authentication failed/);
    const tampered = { ...sealed, ciphertext: sealed.ciphertext.slice() };
    tampered.ciphertext[10]! ^= 1;
    expect(() => openBytesWithKey(tampered, contentKey, aad)).toThrow(/authentication failed/);
    expect(() => openBytesWithKey({ ...sealed, nonce: "AAAA" }, contentKey, aad)).toThrow(/24 bytes/);
  });
});

describe("validateSealedBox", () => {
  const a = party("a");
  const { sealed } = sealJson({ ok: true }, [a.recipient], REPORT);
  const good = () => structuredClone(sealed) as Record<string, unknown> & SealedBox;

  it("accepts a well-formed box", () => {
    expect(validateSealedBox(good())).toEqual(sealed);
  });

  const cases: [string, (b: ReturnType<typeof good>) => unknown][] = [
    ["not an object", () => "box"],
    ["null", () => null],
    ["wrong version", (b) => ({ ...b, v: 2 })],
    ["wrong alg", (b) => ({ ...b, alg: "none" })],
    ["extra field", (b) => ({ ...b, plaintext: "oops" })],
    ["missing nonce", ({ nonce: _n, ...rest }) => rest],
    ["short nonce", (b) => ({ ...b, nonce: b.nonce.slice(0, 30) })],
    ["padded nonce", (b) => ({ ...b, nonce: b.nonce + "==" })],
    ["standard base64 ciphertext", (b) => ({ ...b, ciphertext: b.ciphertext.replace(/.$/, "+") })],
    ["empty ciphertext", (b) => ({ ...b, ciphertext: "" })],
    ["oversized ciphertext", (b) => ({ ...b, ciphertext: "A".repeat(MAX_CIPHERTEXT_B64U + 4) })],
    ["no envelopes", (b) => ({ ...b, envelopes: [] })],
    ["too many envelopes", (b) => ({ ...b, envelopes: Array.from({ length: MAX_ENVELOPES + 1 }, (_, i) => ({ ...b.envelopes[0], keyId: `k${i}` })) })],
    ["duplicate keyIds", (b) => ({ ...b, envelopes: [b.envelopes[0], b.envelopes[0]] })],
    ["envelope extra field", (b) => ({ ...b, envelopes: [{ ...b.envelopes[0], contentKey: "x" }] })],
    ["envelope short epk", (b) => ({ ...b, envelopes: [{ ...b.envelopes[0], epk: "AAAA" }] })],
    ["envelope short wrapped", (b) => ({ ...b, envelopes: [{ ...b.envelopes[0], wrapped: b.envelopes[0]!.wrapped.slice(4) }] })],
    ["envelope bad keyId", (b) => ({ ...b, envelopes: [{ ...b.envelopes[0], keyId: "" }] })],
    ["envelope numeric keyId", (b) => ({ ...b, envelopes: [{ ...b.envelopes[0], keyId: 7 }] })],
  ];
  it.each(cases)("rejects %s", (_name, mutate) => {
    expect(() => validateSealedBox(mutate(good()))).toThrow(SealingError);
  });
});

describe("passphrase-wrapped private keys", () => {
  it("round-trips with small explicit params, and the wrong passphrase fails", async () => {
    const { privateKey } = generateKeyPair();
    const wrapped = await wrapPrivateKey(privateKey, "correct horse battery staple", SMALL_SCRYPT);
    expect(wrapped).toMatchObject({ v: 1, kdf: "scrypt", N: 1024, r: 8, p: 1 });
    expect(fromB64u(wrapped.salt)).toHaveLength(16);
    expect(validateWrappedPrivateKey(JSON.parse(JSON.stringify(wrapped)))).toEqual(wrapped);
    expect(await unwrapPrivateKey(wrapped, "correct horse battery staple")).toEqual(privateKey);
    await expect(unwrapPrivateKey(wrapped, "correct horse battery stapler")).rejects.toThrow(/Wrong passphrase/);
    await expect(unwrapPrivateKey({ ...wrapped, N: 2048 }, "correct horse battery staple")).rejects.toThrow(/Wrong passphrase/);
    await expect(unwrapPrivateKey(wrapped, "")).rejects.toThrow(/Passphrase required/);
  });

  it("normalises the passphrase to NFC", async () => {
    const { privateKey } = generateKeyPair();
    const wrapped = await wrapPrivateKey(privateKey, "Jos\u00e9", SMALL_SCRYPT);
    expect(await unwrapPrivateKey(wrapped, "Jose\u0301")).toEqual(privateKey);
  });

  it("defaults to strong params", async () => {
    expect(STRONG_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const wrapped = await wrapPrivateKey(generateKeyPair().privateKey, "pw");
    expect(wrapped).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
  });

  it("is deterministic given fixed randomness", async () => {
    const wrapped = await wrapPrivateKey(ALICE_PRIV, "pw", SMALL_SCRYPT, { random: counterRandom() });
    expect(await unwrapPrivateKey(wrapped, "pw")).toEqual(ALICE_PRIV);
    expect(await wrapPrivateKey(ALICE_PRIV, "pw", SMALL_SCRYPT, { random: counterRandom() })).toEqual(wrapped);
  });

  it("refuses out-of-bounds params in both directions", async () => {
    const { privateKey } = generateKeyPair();
    const wrapped = await wrapPrivateKey(privateKey, "pw", SMALL_SCRYPT);
    const bad: Partial<WrappedPrivateKey>[] = [
      { N: 2 ** 9 },
      { N: 2 ** 21 },
      { N: 3000 },
      { N: 2 ** 30 },
      { r: 16 },
      { r: 1 },
      { p: 0 },
      { p: 5 },
      { p: 1.5 },
    ];
    for (const params of bad) {
      await expect(unwrapPrivateKey({ ...wrapped, ...params }, "pw"), JSON.stringify(params)).rejects.toThrow(/out of bounds/);
      await expect(wrapPrivateKey(privateKey, "pw", { ...SMALL_SCRYPT, ...params })).rejects.toThrow(/out of bounds/);
    }
  });

  it("refuses malformed blobs", async () => {
    const wrapped = await wrapPrivateKey(generateKeyPair().privateKey, "pw", SMALL_SCRYPT);
    for (const blob of [{ ...wrapped, kdf: "pbkdf2" }, { ...wrapped, salt: "AAAA" }, { ...wrapped, extra: 1 }, null]) {
      await expect(unwrapPrivateKey(blob as WrappedPrivateKey, "pw")).rejects.toThrow(SealingError);
    }
  });
});

describe("fingerprints", () => {
  it("groups the first 32 hex digits (128 bits) of SHA-256 in fours", () => {
    const fp = publicKeyFingerprint(ALICE_PUB);
    expect(fp).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    expect(fp.replaceAll(" ", "")).toBe(sha256Hex(ALICE_PUB).slice(0, 32));
    expect(groupFingerprint(fp.replaceAll(" ", ""))).toBe(fp);
    expect(publicKeyFingerprint(BOB_PUB)).not.toBe(fp);
  });
});
