// A device's push subscription as the browser gives it (PushSubscription.toJSON()), posted as
// form fields. Checked here and again by the table's constraints.

export interface PushSubscriptionInput {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export type SubscriptionErrors = Partial<Record<"endpoint" | "keys", string>>;

const B64U = /^[A-Za-z0-9_-]+$/;

/** base64url (padding tolerated) decoded to its length in bytes, or -1. */
function decodedLength(value: string): number {
  const bare = value.replace(/=+$/, "");
  if (!B64U.test(bare) || bare.length % 4 === 1) return -1;
  return Math.floor((bare.length * 3) / 4);
}

/** A hostname a push service could not have: a bare address or this machine. */
function isPrivateHost(hostname: string) {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^[\d.]+$/.test(hostname) || hostname.startsWith("[");
}

/**
 * https only (web-push speaks nothing else); in production, not a bare IP or localhost either, so
 * the server cannot be made to post to itself or its network. p256dh: an uncompressed P-256 point
 * (65 bytes, first byte 4); auth: 16 bytes.
 */
export function parseSubscription(
  form: { get(name: string): unknown },
  options: { production: boolean },
): { ok: true; value: PushSubscriptionInput } | { ok: false; errors: SubscriptionErrors } {
  const errors: SubscriptionErrors = {};
  const endpoint = form.get("endpoint");
  const p256dh = form.get("p256dh");
  const auth = form.get("auth");
  let url: URL | null = null;
  if (typeof endpoint === "string" && endpoint.length <= 2048) {
    try {
      url = new URL(endpoint);
    } catch {
      url = null;
    }
  }
  if (!url || url.protocol !== "https:" || url.username || url.password || (options.production && isPrivateHost(url.hostname))) {
    errors.endpoint = "push.errors.endpoint";
  }
  const keyOk =
    typeof p256dh === "string" &&
    typeof auth === "string" &&
    decodedLength(p256dh) === 65 &&
    decodedLength(auth) === 16 &&
    Buffer.from(p256dh.replace(/=+$/, ""), "base64url")[0] === 4;
  if (!keyOk) errors.keys = "push.errors.keys";
  if (errors.endpoint || errors.keys) return { ok: false, errors };
  return { ok: true, value: { endpoint: endpoint as string, p256dh: (p256dh as string).replace(/=+$/, ""), auth: (auth as string).replace(/=+$/, "") } };
}
