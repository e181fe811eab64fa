import { sql, type SelectQueryBuilder } from "kysely";
import { type Claims, readAsUser, type Trx } from "~/db/client.server";
import { planEachCall } from "~/db/statements.server";
import { legalTeam } from "./review.server";
import { QueueFilters, type QueueCursor, type QueueSort, encodeCursor, REPORT_STATUSES, type ReportStatus } from "./filters";

export { parseQueueFilters, queueSearch } from "./filters";
export type { QueueFilters } from "./filters";

export const QUEUE_PAGE_SIZE = 50;

export interface QueueRow {
  id: string;
  occurredAt: string;
  submittedAt: string;
  zoneName: string | null;
  crossStreets: string;
  activities: string[];
  agencies: string[];
  warrant: string;
  agentCountMin: number | null;
  urgency: string;
  verification: string;
  status: ReportStatus;
  sealedDetained: number;
  assignedTo: string | null;
  assigneeName: string | null;
  legalHold: boolean;
}

export interface QueuePage {
  rows: QueueRow[];
  next: string | null;
  counts: Record<ReportStatus, number>;
  total: number;
}

const iso = (value: Date | string) => new Date(value).toISOString();

// The filters apply to any query on `reports as r` (joins vary); Kysely's alias types do not compose here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ReportQuery = SelectQueryBuilder<any, any, any>;

/**
 * Every filter but the status (counts per status use the rest) applied to a query on `reports as r`.
 *
 * Attorneys run these under RLS, where the planner may use a filter as an index condition only if
 * it is LEAKPROOF: so enums are compared through their text keys (`status_key`…; text equality is
 * LEAKPROOF, enum equality is not), and the agency through `@>`, which matches one partial index
 * per agency (supabase/migrations/20261206090000_queue_leakproof_filters.sql).
 */
export function applyFilters<Q extends ReportQuery>(query: Q, filters: QueueFilters, me: string, withStatus = true, timeZone?: string): Q {
  let q = query as ReportQuery;
  if (withStatus && filters.status.length) q = q.where("r.status_key", "in", filters.status);
  if (filters.verification) q = q.where("r.verification_key", "=", filters.verification);
  if (filters.urgency.length) q = q.where("r.urgency_key", "in", filters.urgency);
  if (filters.zone) q = q.where("r.zone_id", "=", filters.zone);
  // Planned with its value (node-postgres sends unnamed statements), so the partial index matches.
  if (filters.agency) q = q.where(sql<boolean>`r.agencies @> array[${filters.agency}]::text[]`);
  if (filters.warrant) q = q.where("r.warrant_key", "=", filters.warrant);
  // Dates are the organisation's local days. Given the time zone as a value, the planner sees the
  // range (a sub-select hides it: it guessed 500 rows for 8,000 and sorted them all).
  const tz = timeZone ? sql`${timeZone}::text` : sql`(select time_zone from public.org_settings)`;
  if (filters.from) q = q.where(sql<boolean>`r.occurred_at >= (${filters.from}::date::timestamp at time zone ${tz})`);
  if (filters.to) q = q.where(sql<boolean>`r.occurred_at < ((${filters.to}::date + 1)::timestamp at time zone ${tz})`);
  if (filters.assigned === "me") q = q.where("r.assigned_to", "=", me);
  if (filters.assigned === "none") q = q.where("r.assigned_to", "is", null);
  return q as Q;
}

const SORT_COLUMNS: Record<QueueSort, { key: "r.urgency" | "r.submitted_at" | "r.occurred_at"; second: boolean }> = {
  urgency: { key: "r.urgency", second: true },
  newest: { key: "r.submitted_at", second: false },
  occurred: { key: "r.occurred_at", second: false },
};

function applyCursor(query: ReportQuery, sort: QueueSort, cursor: QueueCursor | null): ReportQuery {
  if (!cursor) return query;
  if (sort === "urgency") {
    return query.where(sql<boolean>`(r.urgency, r.submitted_at, r.id) < (${cursor.k}::public.report_urgency, ${cursor.t}::timestamptz, ${cursor.id}::uuid)`);
  }
  const column = sort === "newest" ? sql.ref("r.submitted_at") : sql.ref("r.occurred_at");
  return query.where(sql<boolean>`(${column}, r.id) < (${cursor.t}::timestamptz, ${cursor.id}::uuid)`);
}

/** The queue for one page: keyset-paginated, filtered, with counts per status under the other filters. */
export async function queryQueue(
  trx: Trx,
  me: string,
  filters: QueueFilters,
  limit = QUEUE_PAGE_SIZE,
  team?: Map<string, { name: string }>,
  timeZone?: string,
) {
  const sort = SORT_COLUMNS[filters.sort];
  let query = trx
    .selectFrom("reports as r")
    .leftJoin("zones as z", "z.id", "r.zone_id")
    .select([
      "r.id",
      "r.occurred_at",
      "r.submitted_at",
      "z.name as zone_name",
      "r.cross_streets",
      "r.activities",
      "r.agencies",
      "r.warrant",
      "r.agent_count_min",
      "r.urgency",
      "r.verification",
      "r.status",
      // with people added later in sealed addenda (ADR 023)
      sql<number>`r.sealed_detained + coalesce((select sum(a.sealed_detained)::integer from public.report_addenda a where a.report_id = r.id), 0)`.as("sealed_detained"),
      "r.assigned_to",
      "r.legal_hold",
    ]) as unknown as ReportQuery;
  query = applyCursor(applyFilters(query, filters, me, true, timeZone), filters.sort, filters.after);
  query = query.orderBy(sort.key, "desc");
  if (sort.second) query = query.orderBy("r.submitted_at", "desc");
  const rows = (await query
    .orderBy("r.id", "desc")
    .limit(limit + 1)
    .execute()) as unknown as {
    id: string;
    occurred_at: Date;
    submitted_at: Date;
    zone_name: string | null;
    cross_streets: string;
    activities: string[];
    agencies: string[];
    warrant: string;
    agent_count_min: number | null;
    urgency: string;
    verification: string;
    status: ReportStatus;
    sealed_detained: number;
    assigned_to: string | null;
    legal_hold: boolean;
  }[];
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next =
    rows.length > limit && last
      ? encodeCursor({
          k: filters.sort === "urgency" ? last.urgency : undefined,
          t: iso(filters.sort === "occurred" ? last.occurred_at : last.submitted_at),
          id: last.id,
        })
      : null;
  return {
    rows: page.map(
      (r): QueueRow => ({
        id: r.id,
        occurredAt: iso(r.occurred_at),
        submittedAt: iso(r.submitted_at),
        zoneName: r.zone_name,
        crossStreets: r.cross_streets,
        activities: r.activities,
        agencies: r.agencies,
        warrant: r.warrant,
        agentCountMin: r.agent_count_min,
        urgency: r.urgency,
        verification: r.verification,
        status: r.status,
        sealedDetained: r.sealed_detained,
        assignedTo: r.assigned_to,
        assigneeName: r.assigned_to ? (team?.get(r.assigned_to)?.name ?? null) : null,
        legalHold: r.legal_hold,
      }),
    ),
    next,
  };
}

/**
 * The counts per status under every other filter. Under RLS this stays an index-only scan only
 * while the covering indexes hold every column the policies on reports read
 * (tests/db/queue-plans.test.ts checks the plan).
 */
export function countQueueQuery(trx: Trx, me: string, filters: QueueFilters, timeZone?: string) {
  const base = trx.selectFrom("reports as r") as unknown as ReportQuery;
  return applyFilters(base, filters, me, false, timeZone)
    .select(["r.status", sql<string>`count(*)`.as("n")] as never)
    .groupBy("r.status");
}

export async function countQueue(trx: Trx, me: string, filters: QueueFilters, timeZone?: string) {
  const rows = (await countQueueQuery(trx, me, filters, timeZone).execute()) as unknown as { status: ReportStatus; n: string }[];
  const counts = Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as Record<ReportStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  const total = filters.status.length ? filters.status.reduce((sum, s) => sum + counts[s], 0) : Object.values(counts).reduce((a, b) => a + b, 0);
  return { counts, total };
}

/** The queue's loader data, as the signed-in attorney or admin (RLS decides what they see). */
export async function reviewQueue(claims: Claims, filters: QueueFilters): Promise<QueuePage> {
  return readAsUser(claims, async (trx) => {
    // The time zone matters only to the date filters: without them, one round trip fewer.
    const dated = Boolean(filters.from || filters.to);
    const [, team, settings] = await Promise.all([
      planEachCall(trx),
      legalTeam(trx),
      dated ? trx.selectFrom("org_settings").select("time_zone").executeTakeFirst() : undefined,
    ]);
    const timeZone = settings?.time_zone;
    const [page, counts] = await Promise.all([
      queryQueue(trx, claims.sub, filters, QUEUE_PAGE_SIZE, team, timeZone),
      countQueue(trx, claims.sub, filters, timeZone),
    ]);
    return { ...page, ...counts };
  });
}
