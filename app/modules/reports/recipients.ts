import type { fromB64u, sealJson } from "~/integrations/sealing";

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

// Sealing to them -----------------------------------------------------------------------------
// The sealed "people" part of a report or addendum (detained people and witnesses): its shape,
// without zod, and its sealing in this browser to the recipients above. Here, in the one small
// module the report form and the report page already share, so neither page's JavaScript grows
// (ADR 009: /reports/new is at its ceiling); schema.ts re-exports the shape.
export const TRI_STATES = ["unknown", "yes", "no"] as const;

/** How many people of each kind the form offers slots for (more can be added as addenda). */
export const DETAINED_SLOTS = 3;
export const WITNESS_SLOTS = 2;

export const isBlank = (value: Record<string, string>) =>
  Object.entries(value).every(([key, v]) => v === "" || ((key === "consentToContact" || key === "hasVideo") && v === "unknown"));

const P2_PREFIXES = ["detained[", "witnesses["];

/**
 * Seals what the observer typed about detained people and witnesses in this browser, so only
 * ciphertext leaves the phone: the plaintext fields are dropped from what is sent. `aad` binds the
 * box to what it belongs to: the report's client_uuid, or an addendum's `addendumAad` (ADR 023).
 * `load` gives the sealing code: the report form loads it after the page is up; the report page has it.
 */
export async function sealPeople(
  formData: FormData,
  allRecipients: BrowserRecipient[],
  aad: string,
  load: () => Promise<{ fromB64u: typeof fromB64u; sealJson: typeof sealJson }>,
): Promise<FormData> {
  const recipients = activeRecipients(allRecipients);
  const out = new FormData();
  const detained = new Map<number, Record<string, string>>();
  const witnesses = new Map<number, Record<string, string>>();
  for (const [name, value] of formData.entries()) {
    const m = /^(detained|witnesses)\[(\d+)\]\.(\w+)$/.exec(name);
    if (m) {
      const target = m[1] === "detained" ? detained : witnesses;
      const index = Number(m[2]);
      target.set(index, { ...(target.get(index) ?? {}), [m[3]!]: String(value).trim() });
      continue;
    }
    if (!P2_PREFIXES.some((p) => name.startsWith(p))) out.append(name, value);
  }
  const people = [...detained.values()].filter((d) => !isBlank(d));
  const others = [...witnesses.values()].filter((w) => !isBlank(w));
  // Nothing to seal, or no key to seal to: people's details are never sent or kept in plain text
  // (without keys the form does not even show those sections).
  if (people.length + others.length === 0 || allRecipients.length === 0) return out;
  // Keys exist but none is in use yet by this phone's clock: say so rather than drop the details.
  if (recipients.length === 0) throw new Error("no key in use");
  const { fromB64u, sealJson } = await load();
  const { sealed } = sealJson(
    { v: 1, detained: people, witnesses: others },
    recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
    aad,
  );
  rememberRecipients(recipients);
  out.set("sealed", JSON.stringify(sealed));
  out.set("sealedDetained", String(people.length));
  out.set("sealedWitnesses", String(others.length));
  return out;
}
