import { sql, withSystem } from "~/db/client.server";
import type { Identity } from "./provider";
import { HEX_64, UUID } from "~/utils/misc";

/**
 * Long-lived responses (the live event streams) outlive the request that checked who was signed
 * in. They carry a key for the sign-in instead, and the server asks every few seconds which keys
 * still stand: a sign-out, a revoked session, an expired token or a deactivated person ends the
 * stream within seconds (security review, finding 9), in one or two statements for all streams.
 */
export function signInKey(identity: Identity): string | null {
  if (identity.kind === "session") return HEX_64.test(identity.tokenHash) ? `s:${identity.tokenHash}` : null;
  const { sub, exp } = identity.claims as { sub?: unknown; exp?: unknown };
  if (typeof sub !== "string" || !UUID.test(sub)) return null;
  return `j:${sub}:${typeof exp === "number" && Number.isFinite(exp) ? Math.floor(exp) : 0}`;
}


/** Which of `keys` still stand: a live session of an active person, or an unexpired token of one. */
export async function stillSignedIn(keys: string[], now = Date.now()): Promise<Set<string>> {
  const valid = new Set<string>();
  const hashes = [...new Set(keys.filter((k) => k.startsWith("s:")).map((k) => k.slice(2)))].filter((h) => HEX_64.test(h));
  const tokens = keys
    .filter((k) => k.startsWith("j:"))
    .map((key) => {
      const [, sub = "", exp = "0"] = key.split(":");
      return { key, sub, exp: Number(exp) };
    })
    .filter((t) => UUID.test(t.sub) && (t.exp === 0 || t.exp * 1000 > now));
  if (hashes.length) {
    const { rows } = await withSystem((trx) =>
      sql<{ h: string }>`select h from unnest(${hashes}::text[]) as h where exists (select 1 from private.session_person(h))`.execute(trx),
    );
    for (const row of rows) valid.add(`s:${row.h}`);
  }
  if (tokens.length) {
    const subs = [...new Set(tokens.map((t) => t.sub))];
    const { rows } = await withSystem((trx) =>
      sql<{ id: string }>`select id::text as id from unnest(${subs}::uuid[]) as id where exists (select 1 from private.active_person(id))`.execute(trx),
    );
    const active = new Set(rows.map((r) => r.id.toLowerCase()));
    for (const t of tokens) if (active.has(t.sub.toLowerCase())) valid.add(t.key);
  }
  return valid;
}
