/**
 * Whom this browser seals to (security review, finding 1: key transparency). The database gives
 * each key its active_from after a waiting period and lists only keys already active; the browser
 * checks again and never seals to a key whose active_from is still ahead (a broken server, or a
 * page served before its key's time, cannot make it seal early; a hostile server could lie about
 * active_from, which the notice below and the emails to attorneys and admins are for). It also
 * remembers the set it last sealed to (kinds and fingerprints only, in this browser), so that the
 * observer is told, before sealing, when it changed. Clearing the site's storage forgets it (the
 * sign-out wipe of issue 18 will); the database's waiting period and the emails still hold.
 */

export interface BrowserRecipient {
  keyId: string;
  publicKey: string;
  kind: string;
  /** Grouped hex, 128 bits. */
  fingerprint: string;
  /** ISO time the key became a recipient. */
  activeFrom: string;
}

export interface RememberedRecipient {
  kind: string;
  fingerprint: string;
}

/** Where this browser keeps the set it last sealed to (kinds and fingerprints only). */
const STORAGE_KEY = "testigo.sealedTo.v1";

/** The keys it is safe to seal to now: none whose waiting period is not over by this clock. */
export function activeRecipients<R extends Pick<BrowserRecipient, "activeFrom">>(recipients: R[], now = Date.now()): R[] {
  return recipients.filter((r) => {
    const at = Date.parse(r.activeFrom);
    return Number.isFinite(at) && at <= now;
  });
}

/** Remembers the set just sealed to. Private browsing without storage just does not remember. */
export function rememberRecipients(recipients: RememberedRecipient[], storage: Pick<Storage, "setItem"> | undefined = globalThis.localStorage) {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(recipients.map((r) => ({ kind: r.kind, fingerprint: r.fingerprint }))));
  } catch {
    // storage full or refused
  }
}
