import { createHash } from "node:crypto";
import { readAsUser, sql, withUser, type Claims } from "~/db/client.server";
import { vapidKeys } from "~/integrations/push.server";
import type { PushSubscriptionInput } from "./schema";

// The devices a person turned alerts on for: written and read as that person, under RLS
// (supabase/migrations/20261207070000_push_subscriptions.sql).

/** The public key browsers subscribe with, or null when push is off on this server. */
export function pushPublicKey(): string | null {
  return vapidKeys()?.publicKey ?? null;
}

/**
 * Turns alerts on for this device, under the sign-in `sessionKey` (signing out deletes it). The
 * same endpoint subscribed again replaces its row, whoever held it before.
 */
export async function saveSubscription(claims: Claims, sessionKey: string, input: PushSubscriptionInput): Promise<void> {
  await withUser(claims, async (trx) => {
    await sql`select private.release_push_endpoint(${input.endpoint})`.execute(trx);
    await trx
      .insertInto("push_subscriptions")
      .values({ endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth, session_key: sessionKey })
      .execute();
  });
}

/** Turns alerts off for this device (one's own rows only; another's endpoint changes nothing). */
export async function deleteSubscription(claims: Claims, endpoint: string): Promise<void> {
  await withUser(claims, (trx) => trx.deleteFrom("push_subscriptions").where("endpoint", "=", endpoint).execute());
}

/** Signing out: every device subscribed under this sign-in stops getting the person's alerts. */
export async function deleteSessionSubscriptions(claims: Claims, sessionKey: string): Promise<void> {
  await withUser(claims, (trx) => trx.deleteFrom("push_subscriptions").where("session_key", "=", sessionKey).execute());
}

/** Whether `endpoint` (this device's, as its browser reports it) is one of the person's. */
export async function isSubscribed(claims: Claims, endpoint: string): Promise<boolean> {
  const row = await withUser(claims, (trx) =>
    trx.selectFrom("push_subscriptions").select("id").where("endpoint", "=", endpoint).executeTakeFirst(),
  );
  return Boolean(row);
}

/** Short hashes of the person's endpoints: the browser compares its own, and learns no endpoint. */
export async function subscribedDeviceHashes(claims: Claims): Promise<string[]> {
  const rows = await readAsUser(claims, (trx) => trx.selectFrom("push_subscriptions").select("endpoint").execute());
  return rows.map((r) => endpointHash(r.endpoint));
}

export const endpointHash = (endpoint: string) => createHash("sha256").update(endpoint).digest("hex").slice(0, 32);

/** What "Turn on alerts" needs: the server's public key (null: push off) and the person's devices. */
export async function pushAlertsState(claims: Claims): Promise<{ publicKey: string | null; devices: string[] }> {
  const publicKey = pushPublicKey();
  return { publicKey, devices: publicKey ? await subscribedDeviceHashes(claims) : [] };
}
