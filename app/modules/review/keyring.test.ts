import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { generateKeyPair, sealJson, toB64u, wrapPrivateKey, type SealedBox, type WrappedPrivateKey } from "~/integrations/sealing";
import {
  IDLE_LOCK_MS,
  isUnlocked,
  KeyringError,
  keyringVersion,
  lockKeyring,
  openContentKey,
  openSealedJson,
  shareEnvelope,
  subscribeKeyring,
  touchKeyring,
  unlockedKeyIds,
  unlockWithPassphrase,
  isPlainRecoveryFile,
  unlockWithRecoveryFile,
} from "./keyring";

// Cheap scrypt for tests only; production keys use STRONG_SCRYPT.
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const ALICE_ID = "11111111-1111-4111-8111-111111111111";
const BOB_ID = "22222222-2222-4222-8222-222222222222";
const RECOVERY_ID = "33333333-3333-4333-8333-333333333333";

let alice: ReturnType<typeof generateKeyPair>;
let bob: ReturnType<typeof generateKeyPair>;
let recovery: ReturnType<typeof generateKeyPair>;
let aliceWrapped: WrappedPrivateKey;
let bobWrapped: WrappedPrivateKey;

const aliceStored = () => ({ id: ALICE_ID, publicKey: toB64u(alice.publicKey), wrapped: aliceWrapped });
const bobStored = () => ({ id: BOB_ID, publicKey: toB64u(bob.publicKey), wrapped: bobWrapped });
const recoveryFile = (privateKey = recovery.privateKey, publicKey = recovery.publicKey) =>
  JSON.stringify({ kind: "testigo-recovery-key", v: 1, fingerprint: "x", publicKey: toB64u(publicKey), privateKey: toB64u(privateKey) });

/** Refusals by their i18n key. */
async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof KeyringError) return error.messageKey;
    throw error;
  }
  throw new Error("expected a KeyringError");
}

beforeAll(async () => {
  alice = generateKeyPair();
  bob = generateKeyPair();
  recovery = generateKeyPair();
  aliceWrapped = await wrapPrivateKey(alice.privateKey, "alice passphrase", FAST);
  bobWrapped = await wrapPrivateKey(bob.privateKey, "bob passphrase", FAST);
});

afterEach(() => {
  lockKeyring();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("keyring", () => {
  it("unlocks with the right passphrase only, and tells subscribers", async () => {
    let calls = 0;
    const unsubscribe = subscribeKeyring(() => calls++);
    const before = keyringVersion();
    expect(await refusal(() => unlockWithPassphrase([aliceStored()], "wrong passphrase"))).toBe("keys.passphraseWrong");
    expect(isUnlocked()).toBe(false);
    expect(await refusal(() => unlockWithPassphrase([], "alice passphrase"))).toBe("review.unseal.noKey");

    expect(await unlockWithPassphrase([aliceStored(), bobStored()], "alice passphrase")).toBe(1);
    expect(isUnlocked()).toBe(true);
    expect(unlockedKeyIds()).toEqual([ALICE_ID]);
    expect(keyringVersion()).toBeGreaterThan(before);
    expect(calls).toBe(1);
    // unlocking the same key again adds nothing
    await unlockWithPassphrase([aliceStored()], "alice passphrase");
    expect(unlockedKeyIds()).toEqual([ALICE_ID]);
    unsubscribe();
  });

  it("refuses a key whose public half is not the one registered", async () => {
    const swapped = { ...aliceStored(), publicKey: toB64u(bob.publicKey) };
    expect(await refusal(() => unlockWithPassphrase([swapped], "alice passphrase"))).toBe("keys.keyMismatch");
    expect(isUnlocked()).toBe(false);
  });

  it("zeroes the private keys when it locks", async () => {
    await unlockWithPassphrase([aliceStored()], "alice passphrase");
    const original = Uint8Array.prototype.fill;
    const zeroed: { before: Uint8Array; after: Uint8Array }[] = [];
    vi.spyOn(Uint8Array.prototype, "fill").mockImplementation(function (this: Uint8Array, ...args: Parameters<Uint8Array["fill"]>) {
      const before = Uint8Array.from(this);
      const result = original.apply(this, args);
      zeroed.push({ before, after: this });
      return result;
    });
    lockKeyring();
    vi.restoreAllMocks();
    const hit = zeroed.find((z) => toB64u(z.before) === toB64u(alice.privateKey));
    expect(hit, "the unlocked private key was zeroed").toBeDefined();
    expect(hit!.after.every((b) => b === 0)).toBe(true);
    expect(isUnlocked()).toBe(false);
    const { sealed } = sealJson({ a: 1 }, [{ keyId: ALICE_ID, publicKey: alice.publicKey }], "aad");
    expect(await refusal(() => openContentKey(sealed))).toBe("review.unseal.locked");
  });

  it("locks itself after being idle, and use keeps it open", async () => {
    vi.useFakeTimers();
    await unlockWithRecoveryFile(recoveryFile(), RECOVERY_ID, toB64u(recovery.publicKey));
    expect(isUnlocked()).toBe(true);
    vi.advanceTimersByTime(IDLE_LOCK_MS / 2);
    touchKeyring();
    vi.advanceTimersByTime(IDLE_LOCK_MS - 1000);
    expect(isUnlocked(), "used half-way, so still open").toBe(true);
    vi.advanceTimersByTime(2000);
    expect(isUnlocked()).toBe(false);
  });

  it("reads only the legal team's current recovery key file", async () => {
    const publicKey = toB64u(recovery.publicKey);
    expect(await refusal(() => unlockWithRecoveryFile("not json", RECOVERY_ID, publicKey))).toBe("share.recoveryFileInvalid");
    expect(await refusal(() => unlockWithRecoveryFile(JSON.stringify({ kind: "other", privateKey: "x" }), RECOVERY_ID, publicKey))).toBe("share.recoveryFileInvalid");
    expect(await refusal(() => unlockWithRecoveryFile(JSON.stringify({ kind: "testigo-recovery-key", privateKey: "abc" }), RECOVERY_ID, publicKey))).toBe(
      "share.recoveryFileInvalid",
    );
    const other = generateKeyPair();
    expect(await refusal(() => unlockWithRecoveryFile(recoveryFile(other.privateKey, other.publicKey), RECOVERY_ID, publicKey))).toBe("share.recoveryFileOther");
    expect(isUnlocked()).toBe(false);
    await unlockWithRecoveryFile(recoveryFile(), RECOVERY_ID, publicKey);
    expect(unlockedKeyIds()).toEqual([RECOVERY_ID]);
  });

  it("a recovery key file made now opens only with its passphrase (security review, finding 3)", async () => {
    const publicKey = toB64u(recovery.publicKey);
    const wrapped = await wrapPrivateKey(recovery.privateKey, "recovery passphrase!", FAST);
    const file = JSON.stringify({ kind: "testigo-recovery-key", v: 2, fingerprint: "x", publicKey, wrapped });
    expect(file).not.toContain(toB64u(recovery.privateKey));
    expect(isPlainRecoveryFile(file)).toBe(false);
    expect(isPlainRecoveryFile(recoveryFile())).toBe(true);
    expect(await refusal(() => unlockWithRecoveryFile(file, RECOVERY_ID, publicKey))).toBe("share.recoveryPassphraseNeeded");
    expect(await refusal(() => unlockWithRecoveryFile(file, RECOVERY_ID, publicKey, "not the passphrase"))).toBe("share.recoveryPassphraseWrong");
    expect(await refusal(() => unlockWithRecoveryFile(JSON.stringify({ kind: "testigo-recovery-key", v: 2, wrapped: { ...wrapped, N: 3 } }), RECOVERY_ID, publicKey, "x"))).toBe(
      "share.recoveryFileInvalid",
    );
    const other = generateKeyPair();
    const otherFile = JSON.stringify({ kind: "testigo-recovery-key", v: 2, wrapped: await wrapPrivateKey(other.privateKey, "recovery passphrase!", FAST) });
    expect(await refusal(() => unlockWithRecoveryFile(otherFile, RECOVERY_ID, publicKey, "recovery passphrase!"))).toBe("share.recoveryFileOther");
    expect(isUnlocked()).toBe(false);
    await unlockWithRecoveryFile(file, RECOVERY_ID, publicKey, "recovery passphrase!");
    expect(unlockedKeyIds()).toEqual([RECOVERY_ID]);
  });

  it("a colleague opens a box only once an envelope has been shared with them", async () => {
    const aad = "report-client-uuid";
    const { sealed, contentKey } = sealJson({ detained: [{ name: "CANARY" }] }, [{ keyId: ALICE_ID, publicKey: alice.publicKey }, { keyId: RECOVERY_ID, publicKey: recovery.publicKey }], aad);
    contentKey.fill(0);

    // Bob, whose key came later, cannot open it.
    await unlockWithPassphrase([bobStored()], "bob passphrase");
    expect(await refusal(() => openSealedJson(sealed, [], aad))).toBe("review.unseal.noEnvelope");
    expect(await refusal(() => shareEnvelope(sealed, [], { keyId: ALICE_ID, publicKey: toB64u(alice.publicKey) }))).toBe("review.unseal.noEnvelope");
    lockKeyring();

    // Alice shares: a new envelope for Bob's key; the box itself does not change.
    await unlockWithPassphrase([aliceStored()], "alice passphrase");
    const before = JSON.stringify(sealed);
    const envelope = shareEnvelope(sealed, [], { keyId: BOB_ID, publicKey: toB64u(bob.publicKey) });
    expect(envelope.keyId).toBe(BOB_ID);
    expect(JSON.stringify(sealed)).toBe(before);
    lockKeyring();

    await unlockWithPassphrase([bobStored()], "bob passphrase");
    expect(openSealedJson(sealed, [envelope], aad)).toEqual({ detained: [{ name: "CANARY" }] });
    // a garbage share next to the good one is skipped, not fatal
    expect(openSealedJson(sealed, [{ keyId: BOB_ID, epk: "x" }, envelope], aad)).toEqual({ detained: [{ name: "CANARY" }] });
    // the wrong associated data (another report's id) does not open it
    await expect(async () => openSealedJson(sealed, [envelope], "another-report")).rejects.toThrow();
    // an envelope for Bob sealed to someone else's public key does not open for Bob
    lockKeyring();
    await unlockWithPassphrase([aliceStored()], "alice passphrase");
    const misdirected = shareEnvelope(sealed, [], { keyId: BOB_ID, publicKey: toB64u(generateKeyPair().publicKey) });
    lockKeyring();
    await unlockWithPassphrase([bobStored()], "bob passphrase");
    expect(await refusal(() => openSealedJson(sealed, [misdirected], aad))).toBe("review.unseal.noEnvelope");
  });

  it("the recovery key shares access to an attorney's new key", async () => {
    const aad = "r:note";
    const { sealed } = sealJson({ note: "hello" }, [{ keyId: ALICE_ID, publicKey: alice.publicKey }, { keyId: RECOVERY_ID, publicKey: recovery.publicKey }], aad);
    unlockWithRecoveryFile(recoveryFile(), RECOVERY_ID, toB64u(recovery.publicKey));
    const envelope = shareEnvelope(sealed as SealedBox, [], { keyId: BOB_ID, publicKey: toB64u(bob.publicKey) });
    lockKeyring();
    await unlockWithPassphrase([bobStored()], "bob passphrase");
    expect(openSealedJson(sealed, [envelope], aad)).toEqual({ note: "hello" });
  });
});
