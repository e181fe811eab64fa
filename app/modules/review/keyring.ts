import {
  envelopeFor,
  fromB64u,
  openEnvelope,
  openJson,
  publicKeyOf,
  SealingError,
  toB64u,
  unwrapPrivateKey,
  validateEnvelope,
  validateSealedBox,
  validateWrappedPrivateKey,
  type Envelope,
  type SealedBox,
} from "~/integrations/sealing";

/**
 * The attorney's unlocked private keys, in this tab's memory only: never in storage, never sent
 * anywhere. Locked (keys zeroed) after IDLE_LOCK_MS without use, when the tab is hidden for that
 * long, and on demand.
 */
export const IDLE_LOCK_MS = 10 * 60_000;

export interface StoredKey {
  id: string;
  publicKey: string;
  wrapped: unknown;
}

interface Unlocked {
  keyId: string;
  privateKey: Uint8Array;
}

let unlocked: Unlocked[] = [];
let lastUse = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
let version = 0;

function changed() {
  version += 1;
  for (const listener of listeners) listener();
}

export function subscribeKeyring(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** For useSyncExternalStore: changes whenever keys are unlocked or locked. */
export const keyringVersion = () => version;
export const isUnlocked = () => unlocked.length > 0;
export const unlockedKeyIds = () => unlocked.map((k) => k.keyId);

export function lockKeyring() {
  for (const key of unlocked) key.privateKey.fill(0);
  const had = unlocked.length > 0;
  unlocked = [];
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (had) changed();
}

function schedule() {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    if (Date.now() - lastUse >= IDLE_LOCK_MS) lockKeyring();
    else schedule();
  }, Math.max(1000, IDLE_LOCK_MS - (Date.now() - lastUse)));
}

/** Any use of the keys (and the page's own activity) keeps them unlocked a while longer. */
export function touchKeyring() {
  if (!unlocked.length) return;
  lastUse = Date.now();
}

function add(keyId: string, privateKey: Uint8Array) {
  if (unlocked.some((k) => k.keyId === keyId)) {
    privateKey.fill(0);
    return;
  }
  unlocked = [...unlocked, { keyId, privateKey }];
  lastUse = Date.now();
  schedule();
  changed();
}

export class KeyringError extends Error {
  constructor(readonly messageKey: string) {
    super(messageKey);
  }
}

/**
 * Unwraps every one of the attorney's keys (the active one and replaced ones) that the passphrase
 * opens, checking each is the key registered for it. Returns how many opened.
 */
export async function unlockWithPassphrase(keys: StoredKey[], passphrase: string): Promise<number> {
  if (!keys.length) throw new KeyringError("review.unseal.noKey");
  let opened = 0;
  for (const key of keys) {
    try {
      const privateKey = await unwrapPrivateKey(validateWrappedPrivateKey(key.wrapped), passphrase);
      if (toB64u(publicKeyOf(privateKey)) !== key.publicKey) {
        privateKey.fill(0);
        throw new KeyringError("keys.keyMismatch");
      }
      add(key.id, privateKey);
      opened += 1;
    } catch (error) {
      if (error instanceof KeyringError) throw error;
      if (!(error instanceof SealingError)) throw error;
    }
  }
  if (!opened) throw new KeyringError("keys.passphraseWrong");
  return opened;
}

/** The legal team's recovery key, from the file downloaded when it was made. */
export async function unlockWithRecoveryFile(text: string, recoveryKeyId: string, recoveryPublicKey: string, passphrase = ""): Promise<void> {
  let parsed: { kind?: unknown; v?: unknown; privateKey?: unknown; publicKey?: unknown; wrapped?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new KeyringError("share.recoveryFileInvalid");
  }
  if (parsed === null || typeof parsed !== "object" || parsed.kind !== "testigo-recovery-key") throw new KeyringError("share.recoveryFileInvalid");
  let privateKey: Uint8Array;
  if (parsed.v === 2) {
    // Made since the security review (finding 3): the private half is wrapped by a passphrase.
    let wrapped;
    try {
      wrapped = validateWrappedPrivateKey(parsed.wrapped);
    } catch {
      throw new KeyringError("share.recoveryFileInvalid");
    }
    if (!passphrase) throw new KeyringError("share.recoveryPassphraseNeeded");
    try {
      privateKey = await unwrapPrivateKey(wrapped, passphrase);
    } catch {
      throw new KeyringError("share.recoveryPassphraseWrong");
    }
  } else {
    // A file made before: the private half in the clear. Still read, so that no legal team loses
    // its recovery; the share page asks to replace it.
    if (typeof parsed.privateKey !== "string") throw new KeyringError("share.recoveryFileInvalid");
    try {
      privateKey = fromB64u(parsed.privateKey);
      if (privateKey.length !== 32) throw new Error("length");
    } catch {
      throw new KeyringError("share.recoveryFileInvalid");
    }
  }
  if (toB64u(publicKeyOf(privateKey)) !== recoveryPublicKey) {
    privateKey.fill(0);
    throw new KeyringError("share.recoveryFileOther");
  }
  add(recoveryKeyId, privateKey);
}

/** Whether a recovery key file is of the old kind, with its private half in the clear. */
export function isPlainRecoveryFile(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { kind?: unknown; v?: unknown; privateKey?: unknown };
    return parsed?.kind === "testigo-recovery-key" && parsed.v !== 2 && typeof parsed.privateKey === "string";
  } catch {
    return false;
  }
}

/** The box with the envelopes shared with us later added, ready for openEnvelope. */
function withShares(box: unknown, shares: unknown[] = []): SealedBox {
  const checked = validateSealedBox(box);
  const extra: Envelope[] = [];
  for (const share of shares) {
    try {
      const envelope = validateEnvelope(share);
      if (!checked.envelopes.some((e) => e.keyId === envelope.keyId) && !extra.some((e) => e.keyId === envelope.keyId)) extra.push(envelope);
    } catch {
      // an unusable share is skipped; another key may still open the box
    }
  }
  return { ...checked, envelopes: [...checked.envelopes, ...extra] };
}

/** The box's content key, with whichever unlocked key has an envelope in it or shared with it. */
export function openContentKey(box: unknown, shares: unknown[] = []): Uint8Array {
  if (!unlocked.length) throw new KeyringError("review.unseal.locked");
  const full = withShares(box, shares);
  for (const key of unlocked) {
    if (!full.envelopes.some((e) => e.keyId === key.keyId)) continue;
    try {
      const contentKey = openEnvelope(full, key.keyId, key.privateKey);
      touchKeyring();
      return contentKey;
    } catch {
      // try the next key
    }
  }
  throw new KeyringError("review.unseal.noEnvelope");
}

export function openSealedJson(box: unknown, shares: unknown[], aad: string): unknown {
  const contentKey = openContentKey(box, shares);
  try {
    return openJson(validateSealedBox(box), contentKey, aad);
  } finally {
    contentKey.fill(0);
  }
}

/** A new envelope for `recipient` on a box we can open: "Share access" and recovery. */
export function shareEnvelope(box: unknown, shares: unknown[], recipient: { keyId: string; publicKey: string }): Envelope {
  const contentKey = openContentKey(box, shares);
  try {
    return envelopeFor(contentKey, { keyId: recipient.keyId, publicKey: fromB64u(recipient.publicKey) });
  } finally {
    contentKey.fill(0);
  }
}
