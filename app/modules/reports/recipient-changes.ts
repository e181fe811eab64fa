import type { BrowserRecipient, RememberedRecipient } from "./recipients";

/** The key ./recipients.ts writes under (repeated, not imported, so this chunk needs nothing of that one). */
const STORAGE_KEY = "testigo.sealedTo.v1";

// What the notice before sealing needs (app/components/recipient-notice.tsx), apart from what
// sealing itself needs (./recipients.ts): loaded after the page is up, not with the report form.

export interface RecipientChanges {
  added: BrowserRecipient[];
  removed: RememberedRecipient[];
}

/** What changed since the set last sealed to; null when nothing did or there is nothing to compare with. */
export function recipientChanges(previous: RememberedRecipient[] | null, current: BrowserRecipient[]): RecipientChanges | null {
  if (!previous) return null;
  const before = new Set(previous.map((r) => r.fingerprint));
  const now = new Set(current.map((r) => r.fingerprint));
  const added = current.filter((r) => !before.has(r.fingerprint));
  const removed = previous.filter((r) => !now.has(r.fingerprint));
  return added.length || removed.length ? { added, removed } : null;
}

function parseRemembered(text: string | null): RememberedRecipient[] | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return null;
    return value.filter(
      (r): r is RememberedRecipient => typeof r === "object" && r !== null && typeof r.kind === "string" && typeof r.fingerprint === "string",
    );
  } catch {
    return null;
  }
}

/** The set this browser last sealed to (fingerprints only), or null. */
export function rememberedRecipients(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): RememberedRecipient[] | null {
  try {
    return parseRemembered(storage?.getItem(STORAGE_KEY) ?? null);
  } catch {
    return null;
  }
}

