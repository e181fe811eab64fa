import { isBlank } from "./schema";
import { activeRecipients, rememberRecipients, type BrowserRecipient } from "./recipients";

const P2_PREFIXES = ["detained[", "witnesses["];

/**
 * Seals what the observer typed about detained people and witnesses in this browser, so only
 * ciphertext leaves the phone: the plaintext fields are dropped from what is sent. `aad` binds the
 * box to what it belongs to: the report's client_uuid, or an addendum's `addendumAad` (ADR 023).
 * The sealing code is loaded here, on first use (`load`; the report form preloads the same chunk).
 */
export async function sealPeople(
  formData: FormData,
  allRecipients: BrowserRecipient[],
  aad: string,
  load = () => import("~/integrations/sealing"),
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
