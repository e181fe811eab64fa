import { createHash } from "node:crypto";
import { sql, type Trx } from "~/db/client.server";

// The content hash of a report: printed in its declaration and recorded with each export in the
// audit log, so a declaration can be matched to the account as it was stored.

/**
 * The report columns the content hash covers, exactly as stored: the observer's P0/P1 account,
 * the sealed box (ciphertext and key envelopes) and its counts, and what binds them to this report
 * (id, client_uuid, submitted_at). Triage (urgency, status, verification, assignment, hold) and
 * addenda are not part of it: a colleague's triage never changes the hash of the account.
 */
export const CONTENT_HASH_FIELDS = [
  "id",
  "client_uuid",
  "submitted_at",
  "occurred_at",
  "zone_id",
  "location",
  "location_accuracy_m",
  "cross_streets",
  "agent_count_min",
  "agents_possibly_more",
  "vehicle_count",
  "activities",
  "agencies",
  "masked",
  "vest_text",
  "equipment",
  "identified",
  "warrant",
  "home_entry",
  "consent_asked",
  "consent_given",
  "use_of_force",
  "injuries",
  "local_police_assisting",
  "officers",
  "vehicles",
  "narrative",
  "sealed",
  "sealed_detained",
  "sealed_witnesses",
] as const;

export type ContentHashField = (typeof CONTENT_HASH_FIELDS)[number];
/** A report row as the hash reads it: timestamps as `YYYY-MM-DDTHH:MM:SS.ffffffZ` text (UTC, microseconds). */
export type ContentHashRow = Record<ContentHashField, unknown>;

/** How PostgreSQL prints a timestamptz for the hash: UTC, ISO 8601, microseconds (as the audit log does). */
export const UTC_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const utcText = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values a report row holds: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers serialised as ECMAScript's JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: a number must be finite");
      return JSON.stringify(value);
    case "object": {
      if (value instanceof Date) throw new TypeError("canonicalJson: give timestamps as text, not Date (microseconds would be lost)");
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
}

/**
 * SHA-256 (hex) of the UTF-8 bytes of the RFC 8785 canonical JSON of the object made of exactly
 * CONTENT_HASH_FIELDS of the stored row. Anyone with the database row can recompute it.
 */
export function reportContentHash(row: ContentHashRow): string {
  const picked: Record<string, unknown> = {};
  for (const field of CONTENT_HASH_FIELDS) {
    if (!(field in row) || row[field] === undefined) throw new TypeError(`reportContentHash: missing ${field}`);
    picked[field] = row[field];
  }
  for (const field of ["submitted_at", "occurred_at"] as const) {
    if (typeof picked[field] !== "string" || !UTC_MICROS.test(picked[field] as string)) {
      throw new TypeError(`reportContentHash: ${field} must be UTC text with microseconds`);
    }
  }
  return createHash("sha256").update(canonicalJson(picked), "utf8").digest("hex");
}

/** The hashed columns of one report, as the hash reads them. */
export function selectHashed(trx: Trx) {
  return trx
    .selectFrom("reports as r")
    .select([
      "r.id",
      "r.client_uuid",
      utcText("r.submitted_at").as("submitted_at"),
      utcText("r.occurred_at").as("occurred_at"),
      "r.zone_id",
      "r.location",
      "r.location_accuracy_m",
      "r.cross_streets",
      "r.agent_count_min",
      "r.agents_possibly_more",
      "r.vehicle_count",
      "r.activities",
      "r.agencies",
      "r.masked",
      "r.vest_text",
      "r.equipment",
      "r.identified",
      "r.warrant",
      "r.home_entry",
      "r.consent_asked",
      "r.consent_given",
      "r.use_of_force",
      "r.injuries",
      "r.local_police_assisting",
      "r.officers",
      "r.vehicles",
      "r.narrative",
      "r.sealed",
      "r.sealed_detained",
      "r.sealed_witnesses",
    ]);
}

/** The content hash of one stored report, as `who` reads it (RLS); null when they cannot read it. */
export async function storedContentHash(trx: Trx, id: string): Promise<string | null> {
  const row = await selectHashed(trx).where("r.id", "=", id).executeTakeFirst();
  return row ? reportContentHash(row) : null;
}
