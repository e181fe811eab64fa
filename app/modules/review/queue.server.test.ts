import { CompiledQuery } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { createCast } from "../../../tests/setup/personas";
import { createTestZone } from "../../../tests/setup/shifts";
import { AGENCIES, REPORT_STATUSES, URGENCIES, VERIFICATIONS, WARRANTS, parseQueueFilters } from "./filters";
import { applyFilters, reviewQueue } from "./queue.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;
const ids: Record<string, string> = {};

interface ReportValues {
  status?: string;
  urgency?: string;
  verification?: string;
  warrant?: string;
  agencies?: string[];
}

const insertReport = (values: ReportValues, zone: string | null) =>
  withSystem((trx) =>
    sql<{ id: string }>`insert into public.reports
        (client_uuid, zone_id, occurred_at, status, closed_at, urgency, verification, warrant, agencies, cross_streets)
      values (gen_random_uuid(), ${zone}, now() - interval '1 hour',
        ${values.status ?? "new"}::public.report_status, ${values.status === "closed" ? sql`now()` : null},
        ${values.urgency ?? "high"}::public.report_urgency, ${values.verification ?? "unconfirmed"}::public.report_verification,
        ${values.warrant ?? "unknown"}::public.warrant_type, ${values.agencies ?? []}::text[], 'queue test')
      returning id`.execute(trx),
  ).then(({ rows }) => rows[0]!.id);

const queue = (query: string) => reviewQueue(cast.attorney_luis.claims, parseQueueFilters(new URLSearchParams(`zone=${zoneId}&${query}`)));

beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Queue zone");
  ids.rare = await insertReport({ status: "referred", urgency: "critical", verification: "false_alarm", warrant: "judicial", agencies: ["fbi"] }, zoneId);
  ids.almost = await insertReport({ status: "referred", urgency: "critical", verification: "false_alarm", warrant: "none", agencies: ["ice_ero", "cbp"] }, zoneId);
  ids.plain = await insertReport({ status: "in_review", urgency: "low", verification: "confirmed", warrant: "judicial", agencies: ["ice_ero"] }, zoneId);
});

describe("the queue's filters", () => {
  it("have a text key for every label of the enums they filter (a label without one is refused)", async () => {
    const labels = await withSystem(async (trx) => {
      const { rows } = await sql<{ type: string; labels: string[] }>`
        select t.typname as type, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
        from pg_enum e join pg_type t on t.oid = e.enumtypid
        where t.typname in ('report_status', 'report_urgency', 'report_verification', 'warrant_type')
        group by t.typname`.execute(trx);
      return Object.fromEntries(rows.map((r) => [r.type, [...r.labels].sort()]));
    });
    expect(labels).toEqual({
      report_status: [...REPORT_STATUSES].sort(),
      report_urgency: [...URGENCIES].sort(),
      report_verification: [...VERIFICATIONS].sort(),
      warrant_type: [...WARRANTS].sort(),
    });
    // One report per label (the longest enum sets the count), each key read back as the database made it.
    const longest = Math.max(REPORT_STATUSES.length, URGENCIES.length, VERIFICATIONS.length, WARRANTS.length);
    const made: (ReportValues & { id: string })[] = [];
    for (let i = 0; i < longest; i++) {
      const values = {
        status: REPORT_STATUSES[i % REPORT_STATUSES.length],
        urgency: URGENCIES[i % URGENCIES.length],
        verification: VERIFICATIONS[i % VERIFICATIONS.length],
        warrant: WARRANTS[i % WARRANTS.length],
      };
      made.push({ ...values, id: await insertReport(values, null) });
    }
    const keys = await withSystem((trx) =>
      trx
        .selectFrom("reports")
        .select(["id", "status_key", "urgency_key", "verification_key", "warrant_key"])
        .where("id", "in", made.map((m) => m.id))
        .execute(),
    );
    await withSystem((trx) => trx.deleteFrom("reports").where("id", "in", made.map((m) => m.id)).execute());
    for (const m of made) {
      expect(keys.find((k) => k.id === m.id)).toEqual({ id: m.id, status_key: m.status, urgency_key: m.urgency, verification_key: m.verification, warrant_key: m.warrant });
    }
  });

  it("find the same reports through the keys and the agency as the enums hold", async () => {
    const page = async (query: string) => (await queue(query)).rows.map((r) => r.id).sort();
    expect(await page("status=referred&urgency=critical&warrant=judicial&verification=false_alarm")).toEqual([ids.rare]);
    expect(await page("status=referred&urgency=critical")).toEqual([ids.rare, ids.almost].sort());
    expect(await page("urgency=low&urgency=critical&warrant=judicial")).toEqual([ids.rare, ids.plain].sort());
    expect(await page("verification=confirmed")).toEqual([ids.plain]);
    expect(await page("agency=fbi")).toEqual([ids.rare]);
    expect(await page("agency=ice_ero")).toEqual([ids.almost, ids.plain].sort());
    expect(await page("agency=hsi")).toEqual([]);
    const counted = await queue("status=referred&warrant=judicial");
    expect(counted).toMatchObject({ total: 1, counts: { referred: 1, in_review: 1, new: 0, follow_up: 0, closed: 0 } });
  });

  it("are index conditions under RLS, not checks row by row above the policy", async () => {
    // Only a bitmap scan is left to the planner, and it needs an index condition: one it may use
    // under RLS only for a LEAKPROOF filter (text equality) or a partial index's predicate.
    const plan = (query: string) =>
      withUser(cast.attorney_luis.claims, async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        await sql`set local enable_indexscan = off`.execute(trx);
        const base = trx.selectFrom("reports as r").select("r.id");
        const compiled = applyFilters(base, parseQueueFilters(new URLSearchParams(query)), cast.attorney_luis.id).compile();
        const { rows } = await trx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    const rare = await plan("status=referred&urgency=critical&warrant=judicial&verification=false_alarm");
    expect(rare).toMatch(/Bitmap Index Scan on reports_(status|urgency|verification|warrant)_key_idx/);
    expect(rare).toMatch(/Index Cond: .*_key = /);
    expect(rare).not.toMatch(/Disabled|Seq Scan/);
    for (const agency of AGENCIES) {
      expect(await plan(`agency=${agency}`)).toMatch(new RegExp(`Bitmap Index Scan on reports_agency_${agency}_idx`));
    }
  });
});
