import { z } from "zod";
import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, guarded } from "~/db/errors.server";
import { fromB64u, publicKeyFingerprint, sealJson, validateWrappedPrivateKey } from "~/integrations/sealing";

const PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** The fingerprint the server computes itself from the public key (never trusting the browser's). */
function checkedFingerprint(publicKey: string) {
  if (!PublicKey.safeParse(publicKey).success) throw new DomainError(400, "keys.errors.publicKey", "publicKey");
  try {
    const bytes = fromB64u(publicKey);
    // A low-order or all-zero point would make every later sealing fail: seal to it once now.
    sealJson({ check: true }, [{ keyId: "check", publicKey: bytes }], "key-check").contentKey.fill(0);
    return publicKeyFingerprint(bytes);
  } catch {
    throw new DomainError(400, "keys.errors.publicKey", "publicKey");
  }
}

export async function registerRecoveryKey(claims: Claims, publicKey: string) {
  const fingerprint = checkedFingerprint(publicKey);
  await guarded(() => withUser(claims, (trx) => sql`select private.register_recovery_key(${publicKey}, ${fingerprint})`.execute(trx)));
  return fingerprint;
}

export async function registerAttorneyKey(claims: Claims, publicKey: string, wrappedText: string) {
  const fingerprint = checkedFingerprint(publicKey);
  let wrapped;
  try {
    wrapped = validateWrappedPrivateKey(JSON.parse(wrappedText));
  } catch {
    throw new DomainError(400, "keys.errors.wrapped", "wrapped");
  }
  await guarded(() =>
    withUser(claims, (trx) => sql`select private.register_attorney_key(${publicKey}, ${fingerprint}, ${JSON.stringify(wrapped)}::jsonb)`.execute(trx)),
  );
  return fingerprint;
}

/** The active keys, for admins and attorneys to compare fingerprints. */
export async function activeKeys(claims: Claims) {
  return readAsUser(claims, (trx) =>
    trx
      .selectFrom("sealing_keys as k")
      .leftJoin("profiles as p", "p.id", "k.owner_id")
      .select(["k.id", "k.kind", "k.fingerprint", "k.created_at", "k.owner_id", "p.display_name"])
      .where("k.revoked_at", "is", null)
      .orderBy("k.kind")
      .orderBy("k.created_at")
      .execute(),
  );
}

/** The signed-in attorney's own keys (active first), wrapped, to unwrap in their browser. */
export async function myWrappedKeys(claims: Claims) {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{ id: string; public_key: string; wrapped_private_key: unknown; created_at: Date; revoked_at: Date | null }>`select * from private.my_wrapped_key()`.execute(trx),
  );
  return rows;
}

/** The active one. */
export async function myWrappedKey(claims: Claims) {
  return (await myWrappedKeys(claims)).find((k) => k.revoked_at === null) ?? null;
}
