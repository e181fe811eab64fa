import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, guarded, type GuardOptions } from "~/db/errors.server";
import { groupFingerprint, SealingError, validateEnvelope, type Envelope } from "~/integrations/sealing";
import { REVIEW_REFUSALS } from "./errors";
import { UUID } from "~/utils/misc";

/**
 * "Share access" and recovery. An attorney who can open a sealed box wraps its content key again,
 * in their browser, for a colleague whose key came later (an admin does the same with the legal
 * team's recovery key). The server hands out the boxes and stores the new envelopes; it never sees
 * a private key or a content key.
 */

/** Boxes sent to the browser per batch. */
export const SHARE_BATCH = 100;
/** Envelopes accepted per batch (private.share_access refuses more). */
export const MAX_SHARES = 200;
/** How far past boxes the sharer cannot open a batch looks for ones it can. */
const MAX_LOOKAHEAD = 6400;
/** Keys a browser may say it holds (an attorney's active and replaced keys, or the recovery key). */
const MAX_OPEN_WITH = 20;

export const SHARE_BOXES = ["report", "media", "note", "addendum"] as const;
export type ShareBox = (typeof SHARE_BOXES)[number];

export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/** The database's refusals of a share, with this page's messages. */
const SHARE_MESSAGES: Record<string, { status: 400 | 409; key: string; field?: string }> = {
  "review.errors.shareBatch": { status: 400, key: "share.errors.batch", field: "shares" },
  "review.errors.shareKey": { status: 409, key: "share.errors.keyGone", field: "keyId" },
  "review.errors.shareBox": { status: 409, key: "share.errors.boxGone", field: "shares" },
};

/** A share's refusals: any TS403 reads as forbidden here, and the TS409s above get this page's messages. */
const SHARE_REFUSALS: GuardOptions = {
  also: (error, field) => {
    const { code, message } = error;
    if (code === "TS403") return new DomainError(403, "errors.forbidden");
    if (code === "TS409" && message && SHARE_MESSAGES[message]) {
      const known = SHARE_MESSAGES[message];
      return new DomainError(known.status, known.key, known.field);
    }
    return REVIEW_REFUSALS.also?.(error, field);
  },
};

/** The functions below answer attorneys and admins only; others get a 403, not an empty list. */
async function requireSharer(claims: Claims) {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{ ok: boolean }>`select private.has_role('attorney') or private.has_role('admin') as ok`.execute(trx),
  );
  if (!rows[0]?.ok) throw new DomainError(403, "errors.forbidden");
}

function checkKeyId(keyId: unknown): string {
  if (!isUuid(keyId)) throw new DomainError(400, "share.errors.key", "keyId");
  return keyId.toLowerCase();
}

export interface AccessGap {
  keyId: string;
  ownerId: string;
  name: string;
  fingerprint: string;
  publicKey: string;
  missing: number;
}

/** Each active attorney key, with how many sealed boxes it cannot open yet. */
export async function accessGaps(claims: Claims): Promise<AccessGap[]> {
  await requireSharer(claims);
  return guarded(() =>
    readAsUser(claims, async (trx) => {
      const { rows } = await sql<{ key_id: string; owner_id: string; display_name: string; fingerprint: string; missing: string | number }>`
        select * from private.access_gaps()`.execute(trx);
      if (!rows.length) return [];
      // Public keys are readable by every active member (RLS); the browser seals to them.
      const keys = await trx
        .selectFrom("sealing_keys")
        .select(["id", "public_key"])
        .where(
          "id",
          "in",
          rows.map((r) => r.key_id),
        )
        .execute();
      const publicKeys = new Map(keys.map((k) => [k.id, k.public_key]));
      return rows
        .filter((r) => publicKeys.has(r.key_id))
        .map((r) => ({
          keyId: r.key_id,
          ownerId: r.owner_id,
          name: r.display_name,
          fingerprint: groupFingerprint(r.fingerprint),
          publicKey: publicKeys.get(r.key_id)!,
          missing: Number(r.missing),
        }));
    }),
    SHARE_REFUSALS,
  );
}

/** The legal team's current recovery key (its public half), for an admin restoring access. */
export async function currentRecoveryKey(claims: Claims): Promise<{ id: string; publicKey: string; fingerprint: string } | null> {
  const row = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("sealing_keys")
      .select(["id", "public_key", "fingerprint"])
      .where("kind", "=", "recovery")
      .where(sql<boolean>`private.key_is_current(active_from, approved_at, revoked_at)`)
      .executeTakeFirst(),
  );
  return row ? { id: row.id, publicKey: row.public_key, fingerprint: groupFingerprint(row.fingerprint ?? "") } : null;
}

export interface MissingBox {
  box: ShareBox;
  boxId: string;
  reportId: string;
  aad: string;
  sealed: unknown;
  shares: unknown[];
}

/** Boxes `keyId` cannot open yet, oldest first: up to `limit` of each kind (report, media, note, addendum). */
export async function boxesMissingKey(claims: Claims, keyId: string, limit: number): Promise<MissingBox[]> {
  const key = checkKeyId(keyId);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOOKAHEAD) throw new DomainError(400, "share.errors.batch", "limit");
  await requireSharer(claims);
  const { rows } = await guarded(() =>
    readAsUser(claims, (trx) =>
      sql<{ box: ShareBox; box_id: string; report_id: string; aad: string; sealed: unknown; shares: unknown }>`
        select * from private.boxes_missing_key(${key}::uuid, ${limit}::integer)`.execute(trx),
    ),
    SHARE_REFUSALS,
  );
  return rows.map((r) => ({
    box: r.box,
    boxId: r.box_id,
    reportId: r.report_id,
    aad: r.aad,
    sealed: r.sealed,
    shares: Array.isArray(r.shares) ? r.shares : [],
  }));
}

/** Key ids with an envelope for this box, in it or shared with it. */
function keyIdsOf(box: MissingBox): Set<string> {
  const ids = new Set<string>();
  const envelopes = (box.sealed as { envelopes?: unknown } | null)?.envelopes;
  for (const envelope of [...(Array.isArray(envelopes) ? envelopes : []), ...box.shares]) {
    const keyId = (envelope as { keyId?: unknown } | null)?.keyId;
    if (typeof keyId === "string") ids.add(keyId.toLowerCase());
  }
  return ids;
}

export interface ShareBatch {
  /** Up to SHARE_BATCH boxes the browser's keys can open. */
  boxes: MissingBox[];
  /** Boxes still missing the key that none of the browser's keys can open (all of them when `complete`). */
  unopenable: number;
  /** Whether every box missing the key was looked at (else `unopenable` is a lower bound). */
  complete: boolean;
  /** How many boxes the key cannot open yet, in all. */
  missing: number;
}

/**
 * The next batch for the browser: boxes `keyId` cannot open yet that one of `openWith` (the keys
 * unlocked in the browser) can. Boxes nobody there can open stay behind; the batch looks past them
 * (they are usually the oldest: sealed before the sharer's own key existed).
 */
export async function nextShareBatch(claims: Claims, keyId: string, openWith: string[]): Promise<ShareBatch> {
  const key = checkKeyId(keyId);
  if (!Array.isArray(openWith) || openWith.length === 0 || openWith.length > MAX_OPEN_WITH || !openWith.every(isUuid)) {
    throw new DomainError(400, "share.errors.locked", "openWith");
  }
  const mine = new Set(openWith.map((id) => id.toLowerCase()));
  let limit = SHARE_BATCH;
  for (;;) {
    const rows = await boxesMissingKey(claims, key, limit);
    const openable = rows.filter((row) => [...keyIdsOf(row)].some((id) => mine.has(id)));
    const complete = SHARE_BOXES.every((kind) => rows.filter((r) => r.box === kind).length < limit);
    if (openable.length >= SHARE_BATCH || complete || limit >= MAX_LOOKAHEAD) {
      const gaps = await accessGaps(claims);
      const missing = gaps.find((g) => g.keyId === key)?.missing ?? 0;
      return { boxes: openable.slice(0, SHARE_BATCH), unopenable: rows.length - openable.length, complete, missing };
    }
    limit = Math.min(limit * 4, MAX_LOOKAHEAD);
  }
}

export interface ShareInput {
  box: ShareBox;
  boxId: string;
  envelope: Envelope;
}

/** Strict check of one batch from the browser, before any SQL. */
export function parseShares(keyId: string, shares: unknown): ShareInput[] {
  if (!Array.isArray(shares) || shares.length === 0 || shares.length > MAX_SHARES) throw new DomainError(400, "share.errors.batch", "shares");
  const seen = new Set<string>();
  return shares.map((item: unknown) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new DomainError(400, "share.errors.envelope", "shares");
    const { box, boxId, envelope, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length) throw new DomainError(400, "share.errors.envelope", "shares");
    if (typeof box !== "string" || !(SHARE_BOXES as readonly string[]).includes(box) || !isUuid(boxId)) {
      throw new DomainError(400, "share.errors.envelope", "shares");
    }
    let checked: Envelope;
    try {
      checked = validateEnvelope(envelope);
    } catch (error) {
      if (error instanceof SealingError) throw new DomainError(400, "share.errors.envelope", "shares");
      throw error;
    }
    // The envelope is for the key it is stored under, and nothing else.
    if (checked.keyId !== keyId) throw new DomainError(400, "share.errors.envelope", "shares");
    const id = `${box}:${boxId.toLowerCase()}`;
    if (seen.has(id)) throw new DomainError(400, "share.errors.envelope", "shares");
    seen.add(id);
    return { box: box as ShareBox, boxId: boxId.toLowerCase(), envelope: checked };
  });
}

/** Stores one batch of envelopes for `keyId`. Returns how many were new (a repeat stores nothing twice). */
export async function shareAccess(claims: Claims, keyId: string, shares: unknown): Promise<number> {
  const key = checkKeyId(keyId);
  const checked = parseShares(key, shares);
  const { rows } = await guarded(() =>
    withUser(claims, (trx) => sql<{ count: number }>`select private.share_access(${key}::uuid, ${JSON.stringify(checked)}::jsonb) as count`.execute(trx)),
    SHARE_REFUSALS,
  );
  return Number(rows[0]?.count ?? 0);
}
