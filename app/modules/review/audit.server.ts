import { createHash } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { sql, type Database, type Trx } from "~/db/client.server";
import type { DB } from "~/db/types";

// Recomputes the hash chain of public.audit_events (see the review migration) outside the
// database: each row's hash must be SHA-256 over exactly the text private.audit_payload builds,
// each row must point at the previous row's hash, and private.audit_head must name the last row.
// The rows are read in keyset batches, so the log may hold millions of events.

export const GENESIS_HASH = "0".repeat(64);
const BATCH = 5_000;

export type AuditVerification =
  | { ok: true; rows: number; head: string }
  | { ok: false; rows: number; brokenAt: number; reason: string };

interface AuditRow {
  seq: string;
  at: string;
  actor_id: string | null;
  event: string;
  report_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The text private.audit_payload hashes: concat_ws(E'\n', …), every part already as SQL prints it. */
export function auditPayload(row: Pick<AuditRow, "prev_hash" | "seq" | "at" | "actor_id" | "event" | "report_id" | "details">) {
  return [row.prev_hash, row.seq, row.at, row.actor_id ?? "", row.event, row.report_id ?? "", row.details].join("\n");
}

export const auditHash = (payload: string) => createHash("sha256").update(payload, "utf8").digest("hex");

async function readBatch(db: Database | Trx, after: bigint) {
  const { rows } = await sql<AuditRow>`
    select seq::text as seq,
           to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
           actor_id::text as actor_id, event, report_id::text as report_id, details::text as details,
           prev_hash, hash
    from public.audit_events e
    -- e.seq, not the text column of the same name
    where e.seq > ${after.toString()}::bigint
    order by e.seq
    limit ${BATCH}`.execute(db);
  return rows;
}

async function readHead(db: Database | Trx) {
  const { rows } = await sql<{ seq: string; hash: string }>`select seq::text as seq, hash from private.audit_head`.execute(db);
  return rows[0] ? { seq: BigInt(rows[0].seq), hash: rows[0].hash } : null;
}

/**
 * `knownHead`: a head hash seen earlier outside the database (printed on a declaration, sent in
 * the daily digest). A chain that is whole but does not pass through it was rewritten from the
 * start, hashes recomputed: the chain alone cannot show that, a head kept elsewhere can.
 */
async function verify(db: Database | Trx, knownHead?: string): Promise<AuditVerification> {
  let anchored = knownHead === undefined || knownHead === GENESIS_HASH;
  let rows = 0;
  let lastSeq = 0n;
  let lastHash = GENESIS_HASH;
  const broken = (seq: bigint, reason: string): AuditVerification => ({ ok: false, rows, brokenAt: Number(seq), reason });

  for (;;) {
    const batch = await readBatch(db, lastSeq);
    for (const row of batch) {
      const seq = BigInt(row.seq);
      const expected = lastSeq + 1n;
      if (seq !== expected) {
        return broken(expected, lastSeq === 0n ? `the chain does not start at 1 (first event is ${seq})` : `event ${expected} is missing (gap between ${lastSeq} and ${seq})`);
      }
      if (row.prev_hash !== lastHash) return broken(seq, "prev_hash does not match the previous event's hash");
      if (auditHash(auditPayload(row)) !== row.hash) return broken(seq, "hash does not match the row's content");
      rows += 1;
      lastSeq = seq;
      lastHash = row.hash;
      if (row.hash === knownHead) anchored = true;
    }
    if (batch.length === BATCH) continue;

    // The end as of now. Events and the head are written in one transaction, so a head ahead of
    // the last row read means events were appended meanwhile: read on.
    const head = await readHead(db);
    if (!head) return broken(lastSeq + 1n, "the chain head is missing");
    if (head.seq > lastSeq) {
      const more = await readBatch(db, lastSeq);
      if (more.length) continue;
      return broken(lastSeq + 1n, `event ${lastSeq + 1n} is missing (the head is at ${head.seq})`);
    }
    if (head.seq < lastSeq) return broken(head.seq + 1n, `event ${head.seq + 1n} is after the chain's head`);
    if (head.hash !== lastHash) return broken(lastSeq, "the chain head does not match the last event");
    if (!anchored) return broken(lastSeq, `the known head ${knownHead!.slice(0, 16)}… is not in the chain: the log was rewritten, or the head is from another database`);
    return { ok: true, rows, head: lastHash };
  }
}

/** Verifies the whole chain, on the given connection or transaction (the owner's: RLS hides events from others), or a database URL. */
export async function verifyAuditChain(target: Database | Trx | string, options: { knownHead?: string } = {}): Promise<AuditVerification> {
  if (options.knownHead !== undefined && !/^[0-9a-f]{64}$/.test(options.knownHead)) throw new Error("A known head is 64 hexadecimal characters");
  if (typeof target !== "string") return verify(target, options.knownHead);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target, max: 1 }) }) });
  try {
    return await verify(db, options.knownHead);
  } finally {
    await db.destroy();
  }
}
