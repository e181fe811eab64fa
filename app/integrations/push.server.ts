import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Agent } from "node:https";
import path from "node:path";
import webpush from "web-push";
import { env } from "~/utils/env.server";

// Web Push with keys of our own (VAPID, RFC 8292) and payloads encrypted to each device (RFC 8291),
// through `web-push` (docs/decisions/021-push-alerts.md). Endpoints are capability URLs: they are
// never logged, and errors thrown from here carry none of the library's details.

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushOptions {
  /** Seconds the push service keeps a message for a device that is offline. */
  ttl: number;
  urgency: "normal" | "high";
  /** Names the event: the push service replaces an undelivered message of the same topic. */
  topic: string;
}

/** The device is gone (404/410): its subscription is to be deleted. */
export class PushGone extends Error {
  name = "PushGone";
}

/** The push service refused or could not be reached; `code` is its HTTP status, if any. */
export class PushFailed extends Error {
  name = "PushFailed";
  constructor(readonly code: string) {
    super("Push failed");
  }
}

let keys: VapidKeys | null | undefined;
let agent: Agent | undefined;

/** Generated once in development and kept in the data folder (mode 0600), like the session secret. */
function developmentKeys(dataDir: string): VapidKeys {
  const file = path.resolve(dataDir, "vapid.json");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(webpush.generateVAPIDKeys()), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const stored = JSON.parse(readFileSync(file, "utf8")) as { publicKey: string; privateKey: string };
  return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject: "mailto:push@testigo.invalid" };
}

/**
 * The keys push is sent with, or null when push is off: in production without VAPID_* set (a line
 * in the log says so once; email still reaches everyone).
 */
export function vapidKeys(): VapidKeys | null {
  if (keys !== undefined) return keys;
  const { VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT, NODE_ENV, DATA_DIR } = env();
  if (VAPID_PUBLIC_KEY && VAPID_PRIVATE_KEY) {
    keys = { publicKey: VAPID_PUBLIC_KEY, privateKey: VAPID_PRIVATE_KEY, subject: VAPID_SUBJECT ?? "mailto:push@testigo.invalid" };
  } else if (NODE_ENV === "production") {
    console.warn("Push alerts: off. Set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT to turn them on (see README).");
    keys = null;
  } else {
    keys = developmentKeys(DATA_DIR);
  }
  return keys;
}

/** Tests and benches trust their own push service's throwaway certificate through this agent. */
export function trustPushAgent(next: Agent | undefined) {
  agent = next;
}

/** A push topic: at most 32 base64url characters, from the event's tag. */
export const pushTopic = (tag: string) => createHash("sha256").update(tag).digest("base64url").slice(0, 32);

/** Sends one encrypted message to one device. Throws PushGone, PushFailed, or an Error when push is off. */
export async function sendPush(target: PushTarget, payload: string, options: PushOptions): Promise<void> {
  const vapid = vapidKeys();
  if (!vapid) throw new PushFailed("off");
  try {
    await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, payload, {
      vapidDetails: vapid,
      TTL: options.ttl,
      urgency: options.urgency,
      topic: options.topic,
      contentEncoding: "aes128gcm",
      timeout: 10_000,
      ...(agent ? { agent } : {}),
    });
  } catch (error) {
    const status = error instanceof webpush.WebPushError ? error.statusCode : undefined;
    if (status === 404 || status === 410) throw new PushGone();
    const code = (error as { code?: unknown } | null)?.code;
    throw new PushFailed(status ? String(status) : typeof code === "string" ? code : "network");
  }
}
