import { z } from "zod";
import { type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, guarded } from "~/db/errors.server";
import { fromB64u, groupFingerprint, sealJson, validateWrappedPrivateKey } from "~/integrations/sealing";
import { UUID } from "~/utils/misc";

const PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** Refuses what is not a usable X25519 public key (the database computes its fingerprint). */
function checkedPublicKey(publicKey: string) {
  if (!PublicKey.safeParse(publicKey).success) throw new DomainError(400, "keys.errors.publicKey", "publicKey");
  try {
    // A low-order or all-zero point would make every later sealing fail: seal to it once now.
    sealJson({ check: true }, [{ keyId: "check", publicKey: fromB64u(publicKey) }], "key-check").contentKey.fill(0);
  } catch {
    throw new DomainError(400, "keys.errors.publicKey", "publicKey");
  }
  return publicKey;
}

export interface RegisteredKey {
  id: string;
  fingerprint: string;
  activeFrom: string;
  /** A replaced recovery key waits for a second admin's approval when there is one. */
  awaitingApproval: boolean;
}

async function registered(trx: Trx, id: string): Promise<RegisteredKey> {
  const row = await trx.selectFrom("sealing_keys").select(["id", "fingerprint", "active_from", "approved_at"]).where("id", "=", id).executeTakeFirstOrThrow();
  return { id: row.id, fingerprint: groupFingerprint(row.fingerprint ?? ""), activeFrom: new Date(row.active_from).toISOString(), awaitingApproval: row.approved_at === null };
}

export async function registerRecoveryKey(claims: Claims, publicKey: string): Promise<RegisteredKey> {
  checkedPublicKey(publicKey);
  return guarded(() =>
    withUser(claims, async (trx) => {
      const { rows } = await sql<{ id: string }>`select private.register_recovery_key(${publicKey}) as id`.execute(trx);
      return registered(trx, rows[0]!.id);
    }),
  );
}

export async function registerAttorneyKey(claims: Claims, publicKey: string, wrappedText: string): Promise<RegisteredKey> {
  checkedPublicKey(publicKey);
  let wrapped;
  try {
    wrapped = validateWrappedPrivateKey(JSON.parse(wrappedText));
  } catch {
    throw new DomainError(400, "keys.errors.wrapped", "wrapped");
  }
  return guarded(() =>
    withUser(claims, async (trx) => {
      const { rows } = await sql<{ id: string }>`select private.register_attorney_key(${publicKey}, ${JSON.stringify(wrapped)}::jsonb) as id`.execute(trx);
      return registered(trx, rows[0]!.id);
    }),
  );
}

/** A second admin approves the proposed recovery key; when it becomes a recipient. */
export async function approveRecoveryKey(claims: Claims, keyId: string): Promise<string> {
  if (!UUID.test(keyId)) throw new DomainError(404, "keys.errors.noProposal", "key");
  const { rows } = await guarded(() => withUser(claims, (trx) => sql<{ at: Date }>`select private.approve_recovery_key(${keyId}::uuid) as at`.execute(trx)));
  return new Date(rows[0]!.at).toISOString();
}

/** Any admin, or its owner, stops an attorney key that is still waiting. */
export async function withdrawAttorneyKey(claims: Claims, keyId: string): Promise<void> {
  if (!UUID.test(keyId)) throw new DomainError(404, "keys.errors.noWaitingKey", "key");
  await guarded(() => withUser(claims, (trx) => sql`select private.withdraw_attorney_key(${keyId}::uuid)`.execute(trx)));
}

/** Any admin stops a recovery key that is not a recipient yet; how many were stopped. */
export async function withdrawRecoveryKey(claims: Claims): Promise<number> {
  const { rows } = await guarded(() => withUser(claims, (trx) => sql<{ n: number }>`select private.withdraw_recovery_key() as n`.execute(trx)));
  return rows[0]!.n;
}

export interface KeyRow {
  id: string;
  kind: "attorney" | "recovery";
  ownerId: string | null;
  name: string | null;
  fingerprint: string;
  createdAt: string;
  activeFrom: string;
  /** When it stops being a recipient because a successor becomes one. */
  endsAt: string | null;
  awaitingApproval: boolean;
  proposedBy: string | null;
  /** Sealed to now (as private.sealing_recipients() decides). */
  current: boolean;
  /** Its holder is not an active attorney now: sealed to only after a new waiting period if that changes. */
  parked: boolean;
}

/**
 * Keys that are recipients now, waiting to become one (waiting period, a second admin's approval),
 * or parked (their holder is not an active attorney now), for attorneys and admins to compare
 * fingerprints. `current` is exactly what private.sealing_recipients() seals to.
 */
export async function keyOverview(claims: Claims): Promise<KeyRow[]> {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{
      id: string;
      kind: string;
      owner_id: string | null;
      display_name: string | null;
      fingerprint: string;
      created_at: Date;
      created_by: string | null;
      active_from: Date;
      approved_at: Date | null;
      revoked_at: Date | null;
      recipient: boolean;
      parked: boolean;
    }>`select * from private.key_overview()`.execute(trx),
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as KeyRow["kind"],
    ownerId: r.owner_id,
    name: r.display_name,
    fingerprint: groupFingerprint(r.fingerprint),
    createdAt: new Date(r.created_at).toISOString(),
    activeFrom: new Date(r.active_from).toISOString(),
    endsAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    awaitingApproval: r.approved_at === null,
    proposedBy: r.kind === "recovery" ? r.created_by : null,
    current: r.recipient,
    parked: r.parked,
  }));
}

export interface RecipientEvent {
  seq: number;
  at: string;
  event: string;
  fingerprint: string | null;
  kind: string | null;
  role: string | null;
  activeFrom: string | null;
}

/** What the transparency section shows: the keys, the latest changes, and the waiting period in hours. */
export async function keyTransparency(claims: Claims) {
  const [keys, events, wait] = await Promise.all([
    keyOverview(claims),
    recipientEvents(claims),
    readAsUser(claims, (trx) => sql<{ hours: string }>`select private.key_wait_hours() as hours`.execute(trx)),
  ]);
  return { keys, events, waitHours: Number(wait.rows[0]?.hours ?? 24) };
}

/** The latest changes of whom sealed data goes to, from the audit log (attorneys and admins). */
export async function recipientEvents(claims: Claims, limit = 20): Promise<RecipientEvent[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("audit_events")
      .select(["seq", "at", "event", "details"])
      .where("report_id", "is", null)
      .where(sql<boolean>`private.is_recipient_event(event)`)
      .orderBy("seq", "desc")
      .limit(limit)
      .execute(),
  );
  return rows.map((r) => {
    const d = (r.details ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : null);
    return {
      seq: Number(r.seq),
      at: new Date(r.at).toISOString(),
      event: r.event,
      fingerprint: text("fingerprint") ? groupFingerprint(text("fingerprint")!) : null,
      kind: text("kind"),
      role: text("role"),
      activeFrom: text("active_from") ? new Date(text("active_from")!).toISOString() : null,
    };
  });
}

/** The signed-in attorney's own keys (active first), wrapped, to unwrap in their browser. */
export async function myWrappedKeys(claims: Claims) {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{
      id: string;
      public_key: string;
      wrapped_private_key: unknown;
      created_at: Date;
      revoked_at: Date | null;
      active_from: Date;
      current: boolean;
    }>`select * from private.my_wrapped_key()`.execute(trx),
  );
  return rows;
}

/** The latest registered (a recipient now, or waiting to become one). */
export async function myWrappedKey(claims: Claims) {
  return (await myWrappedKeys(claims)).find((k) => k.revoked_at === null) ?? null;
}
