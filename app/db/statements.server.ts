import { createHash } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type pg from "pg";
import type { DB } from "./types";

/**
 * Kysely's statements go out as named, prepared statements: each connection
 * parses and plans a statement's text once, and PostgreSQL keeps its plan (a generic one when that
 * is no dearer than planning for each call's values, docs/decisions/012-request-pipeline.md). Under
 * RLS the policies make planning the larger part of a read's cost: GET /shifts cost PostgreSQL
 * 11.5 ms of CPU unnamed and 6.0 ms named (figures in the ADR). Plans stay right:
 * PostgreSQL replans when a table, policy or function it uses changes, and the person is read
 * from `request.jwt.claims` when the statement runs, never planned in.
 *
 * Left unnamed:
 * - statements with a `*` other than `count(*)` (`select *`, `t.*`, `returning *`): a column added
 *   by a migration while this instance runs would make a prepared one fail ("cached plan must not
 *   change result type"). A connection where a prepared statement failed that way, or went
 *   missing, is closed, not handed on (STALE_STATEMENT in ./client.server.ts);
 * - a text the first time it is seen, so that a one-off (a literal inside the SQL) never takes a
 *   name, and past MAX_NAMED names, so that no connection keeps more than that many plans;
 * - everything, with DATABASE_PREPARED_STATEMENTS=off (a transaction-mode pooler, or to rule out a
 *   generic plan while looking into a slow query).
 */
const MAX_NAMED = 256;
const SEEN_MAX = 4096;
/** Any `*` but `count(*)`: `select *`, `t.*`, `returning *`, `distinct *` (a product or a comment only costs the name). */
const selectsStar = (text: string) => text.replace(/\bcount\s*\(\s*\*\s*\)/gi, "").includes("*");
const statementNames = new Map<string, string>();
const seenOnce = new Set<string>();
let preparedStatements: boolean | undefined;

export function statementFor(text: string, values: readonly unknown[] | undefined): pg.QueryConfig | string {
  // No values array: our own simple-protocol strings (`begin`, several statements at once).
  if (!values) return text;
  preparedStatements ??= process.env.DATABASE_PREPARED_STATEMENTS !== "off";
  const plain = { text, values: values as unknown[] };
  if (!preparedStatements) return plain;
  const name = statementNames.get(text);
  if (name) return { name, ...plain };
  if (statementNames.size >= MAX_NAMED || selectsStar(text)) return plain;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= SEEN_MAX) seenOnce.clear();
    seenOnce.add(text);
    return plain;
  }
  seenOnce.delete(text);
  const named = `k${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`;
  statementNames.set(text, named);
  return { name: named, ...plain };
}

/**
 * For the rest of the transaction, plans made for each call's values, never a connection's generic
 * plan. For queries whose best plan depends on how many rows a value matches (the review queue's
 * filters: one zone, "critical" urgency), where a generic plan guesses an average and measured
 * slower (bench:review-queue). Costs no round trip when sent with the queries it is for.
 */
export const planEachCall = (trx: Transaction<DB>) => sql`select set_config('plan_cache_mode', 'force_custom_plan', true)`.execute(trx);
