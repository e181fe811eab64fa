import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import type { SelectQueryBuilder } from "kysely";
import { sql, withUser, type Claims, type Trx } from "~/db/client.server";
import { DEFAULT_TIME_ZONE } from "~/modules/clock/org-clock";
import { csvRow, CSV_BOM } from "~/utils/csv";
import { domainErrorFrom } from "~/db/errors.server";
import { REVIEW_REFUSALS } from "../errors";
import { applyFilters, type QueueFilters } from "../queue.server";
import type { Point } from "./declaration-pdf.server";

// The review queue as CSV for attorneys and admins. It never contains sealed content (the server
// cannot read it) and is audited before a byte leaves the server.

/**
 * The CSV's columns, in order: P0/P1 only, never the sealed box. Officers, badges, vehicles, plates
 * and vest text are P1 columns of the report (detained people and witnesses are the sealed ones).
 * Headers are `evidence.csv.<column>`.
 */
export const CSV_COLUMNS = [
  "id",
  "occurredAt",
  "submittedAt",
  "zone",
  "crossStreets",
  "latitude",
  "longitude",
  "accuracy",
  "agentCount",
  "vehicleCount",
  "activities",
  "agencies",
  "masked",
  "vestText",
  "warrant",
  "identified",
  "homeEntry",
  "consentAsked",
  "consentGiven",
  "useOfForce",
  "injuries",
  "localPolice",
  "officers",
  "badges",
  "vehicles",
  "plates",
  "urgency",
  "verification",
  "status",
  "assignee",
  "sealedDetained",
  "sealedWitnesses",
  "narrative",
] as const;

export const CSV_BATCH = 1000;

// Any query on `reports as r` (joins vary); Kysely's alias types do not compose here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ReportQuery = SelectQueryBuilder<any, any, any>;

interface CsvRow {
  id: string;
  occurred_at: string;
  submitted_at: string;
  sort_t: string;
  zone_name: string | null;
  cross_streets: string;
  location: Point | null;
  location_accuracy_m: number | null;
  agent_count_min: number | null;
  vehicle_count: number | null;
  activities: string[];
  agencies: string[];
  masked: string;
  vest_text: string;
  warrant: string;
  identified: string;
  home_entry: string;
  consent_asked: string;
  consent_given: string;
  use_of_force: string;
  injuries: string;
  local_police_assisting: string;
  officers: { name?: string; badge?: string }[] | null;
  vehicles: { make?: string; colour?: string; plate?: string }[] | null;
  urgency: string;
  verification: string;
  status: string;
  assignee_name: string | null;
  sealed_detained: number;
  sealed_witnesses: number;
  narrative: string;
}

interface CsvCursor {
  urgency: string;
  t: string;
  id: string;
}

/** The filters as recorded in the audit log: only those set, never the page cursor. */
export function filtersForAudit(filters: QueueFilters) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (key === "after" || value === null || (Array.isArray(value) && !value.length)) continue;
    out[key] = value;
  }
  return out;
}

/** The filtered queue up to `until`, in the queue's order, `limit` rows after `cursor`. */
function csvBatch(trx: Trx, me: string, filters: QueueFilters, until: string, cursor: CsvCursor | null, limit: number) {
  const sortColumn = filters.sort === "occurred" ? "r.occurred_at" : "r.submitted_at";
  let query = trx
    .selectFrom("reports as r")
    .leftJoin("zones as z", "z.id", "r.zone_id")
    // attorneys cannot read each other's profiles: names come from the legal team's directory
    .leftJoin(sql<{ id: string; name: string }>`private.legal_team_directory()`.as("a"), (join) => join.onRef("a.id", "=", "r.assigned_to"))
    .select([
      "r.id",
      // ISO 8601 in the session's time zone (the organisation's, set by the caller)
      sql<string>`to_char(r.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`.as("occurred_at"),
      sql<string>`to_char(r.submitted_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`.as("submitted_at"),
      // the keyset's time at full precision (a Date would drop the microseconds)
      sql<string>`${sql.ref(sortColumn)}::text`.as("sort_t"),
      "z.name as zone_name",
      "r.cross_streets",
      "r.location",
      "r.location_accuracy_m",
      "r.agent_count_min",
      "r.vehicle_count",
      "r.activities",
      "r.agencies",
      "r.masked",
      "r.vest_text",
      "r.warrant",
      "r.identified",
      "r.home_entry",
      "r.consent_asked",
      "r.consent_given",
      "r.use_of_force",
      "r.injuries",
      "r.local_police_assisting",
      "r.officers",
      "r.vehicles",
      "r.urgency",
      "r.verification",
      "r.status",
      "a.name as assignee_name",
      "r.sealed_detained",
      "r.sealed_witnesses",
      "r.narrative",
    ])
    .where("r.submitted_at", "<=", sql<Date>`${until}::timestamptz`) as unknown as ReportQuery;
  query = applyFilters(query, { ...filters, after: null }, me);
  if (cursor) {
    query =
      filters.sort === "urgency"
        ? query.where(sql<boolean>`(r.urgency, r.submitted_at, r.id) < (${cursor.urgency}::public.report_urgency, ${cursor.t}::timestamptz, ${cursor.id}::uuid)`)
        : query.where(sql<boolean>`(${sql.ref(sortColumn)}, r.id) < (${cursor.t}::timestamptz, ${cursor.id}::uuid)`);
  }
  if (filters.sort === "urgency") query = query.orderBy("r.urgency", "desc");
  return query
    .orderBy(sortColumn, "desc")
    .orderBy("r.id", "desc")
    .limit(limit)
    .execute() as Promise<CsvRow[]>;
}

/** Officers and vehicles are lists in one cell each, joined by this; the n-th badge is the n-th officer's. */
export const CSV_LIST_SEPARATOR = " | ";
const UNKNOWN = "—";

/**
 * One column per detail, lists aligned by position: "Ruiz | —" beside "4411 | 77" says the second
 * officer's name was not noted. Entries with nothing in them are left out.
 */
function listColumns<T extends Record<string, string | undefined>>(items: T[] | null, columns: (keyof T)[][]) {
  const filled = (items ?? []).filter((item) => columns.flat().some((key) => item[key]?.trim()));
  return columns.map((keys) =>
    filled
      .map((item) => keys.map((key) => item[key]?.trim()).filter(Boolean).join(", ") || UNKNOWN)
      .join(CSV_LIST_SEPARATOR),
  );
}

function csvLine(r: CsvRow) {
  const [lon, lat] = r.location?.coordinates ?? [null, null];
  const [officers, badges] = listColumns(r.officers, [["name"], ["badge"]]);
  const [vehicles, plates] = listColumns(r.vehicles, [["make", "colour"], ["plate"]]);
  return csvRow([
    r.id,
    r.occurred_at,
    r.submitted_at,
    r.zone_name,
    r.cross_streets,
    lat,
    lon,
    r.location_accuracy_m,
    r.agent_count_min,
    r.vehicle_count,
    r.activities.join("; "),
    r.agencies.join("; "),
    r.masked,
    r.vest_text,
    r.warrant,
    r.identified,
    r.home_entry,
    r.consent_asked,
    r.consent_given,
    r.use_of_force,
    r.injuries,
    r.local_police_assisting,
    officers,
    badges,
    vehicles,
    plates,
    r.urgency,
    r.verification,
    r.status,
    r.assignee_name,
    r.sealed_detained,
    r.sealed_witnesses,
    r.narrative,
  ]);
}

export interface QueueCsv {
  stream: ReadableStream<Uint8Array>;
  rows: number;
  /** The organisation's date of the export, for the file name. */
  localDate: string;
}

/**
 * The filtered queue as CSV, for attorneys and admins. First, in one transaction, the export is
 * fixed (reports submitted until now), counted and recorded in the audit log; only then does the
 * stream start, one keyset batch of CSV_BATCH rows per short transaction, so that 100,000 rows
 * neither hold a connection for the whole download nor sit in memory.
 */
export async function exportQueueCsv(claims: Claims, filters: QueueFilters, headers: string[]): Promise<QueueCsv> {
  const start = await withUser(claims, async (trx) => {
    const { rows } = await sql<{ until: string; time_zone: string | null }>`
      select now()::text as until, (select time_zone from public.org_settings limit 1) as time_zone`.execute(trx);
    const { until, time_zone } = rows[0]!;
    const base = trx.selectFrom("reports as r").where("r.submitted_at", "<=", sql<Date>`${until}::timestamptz`) as unknown as ReportQuery;
    const counted = (await applyFilters(base, { ...filters, after: null }, claims.sub)
      .select(sql<string>`count(*)`.as("n"))
      .executeTakeFirstOrThrow()) as { n: string };
    const count = Number(counted.n);
    const details = { format: "csv", filters: filtersForAudit(filters), rows: count, until };
    await sql`select private.record_report_access(null, 'exported', ${JSON.stringify(details)}::jsonb)`.execute(trx);
    return { until, count, timeZone: time_zone ?? DEFAULT_TIME_ZONE };
  }).catch((error: unknown) => {
    throw domainErrorFrom(error, REVIEW_REFUSALS) ?? error;
  });

  const encoder = new TextEncoder();
  let cursor: CsvCursor | null = null;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_BOM + csvRow(headers)));
    },
    async pull(controller) {
      if (done) return;
      const batch = await withUser(claims, async (trx) => {
        // times print as ISO 8601 with the organisation's offset: "2026-11-26T09:30:00-06:00"
        await sql`select set_config('TimeZone', ${start.timeZone}, true)`.execute(trx);
        return csvBatch(trx, claims.sub, filters, start.until, cursor, CSV_BATCH);
      });
      if (batch.length) {
        controller.enqueue(encoder.encode(batch.map(csvLine).join("")));
        const last = batch.at(-1)!;
        cursor = { urgency: last.urgency, t: last.sort_t, id: last.id };
      }
      if (batch.length < CSV_BATCH) {
        done = true;
        controller.close();
      }
    },
  });
  return { stream, rows: start.count, localDate: format(new TZDate(Date.now(), start.timeZone), "yyyy-MM-dd") };
}
