import { CompiledQuery } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "../../app/db/client.server";
import { countQueueQuery, parseQueueFilters } from "../../app/modules/review/queue.server";
import { createCast } from "../setup/personas";

/**
 * The review queue counts every matching report per status on each page. As an attorney, under
 * RLS, that stays cheap only as an index-only scan: the policies on reports are ORed into a filter
 * on every row, so a covering index must hold every column any of them reads (author_id for the
 * observer's own reports, logged_by for a hotline volunteer's calls). A policy that reads a column
 * the indexes lack turns every count into a scan of the whole table (hotline intake did: 14 ms →
 * 103 ms per page on 100,000 reports, bench/review-queue.ts). The plan, not a timing, is checked:
 * with sequential and bitmap scans priced out, only an index-only scan avoids the table.
 */

let attorney: Awaited<ReturnType<typeof createCast>>["attorney_luis"];

beforeAll(async () => {
  attorney = (await createCast()).attorney_luis;
});

async function countPlan(search: string) {
  const filters = parseQueueFilters(new URLSearchParams(search));
  return withUser(attorney.claims, async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    const query = countQueueQuery(trx, attorney.id, filters).compile();
    const { rows } = await trx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
}

describe("the review queue's counts under RLS", () => {
  // Filters that match most reports: a selective one (an agency, a rare urgency) may rightly take
  // its own index on a small table, so the covering indexes are checked by their columns below.
  // (The counts group by status, so a status filter does not reach this query.)
  it.each([
    ["as the queue opens", ""],
    ["unassigned", "assigned=none"],
  ])("read no table row, %s", async (_, search) => {
    const plan = await countPlan(search);
    // under RLS indeed: the policies' own columns are in the filter
    expect(plan).toMatch(/Filter: .*logged_by = .*author_id = /);
    expect(plan).toMatch(/Index Only Scan using reports_(status|queue_counts)_idx on reports r/);
    expect(plan).not.toMatch(/Seq Scan on reports|(?<!Only )Index Scan using \w+ on reports r/);
  });

  it("have covering indexes holding every column a select policy on reports reads", async () => {
    const { rows } = await withSystem((trx) =>
      sql<{ policy: string; columns: string[] }>`
        select p.polname as policy,
               array(select a.attname::text from pg_attribute a
                     where a.attrelid = p.polrelid and a.attnum > 0 and not a.attisdropped
                       and pg_get_expr(p.polqual, p.polrelid) ~ ('\\m' || a.attname || '\\M')
                     order by 1) as columns
        from pg_policy p
        where p.polrelid = 'public.reports'::regclass and p.polcmd in ('r', '*')
        order by 1`.execute(trx),
    );
    const read = [...new Set(rows.flatMap((r) => r.columns))].sort();
    // today: the author's and the volunteer's own rows (the other policies test roles only)
    expect(read).toEqual(["author_id", "logged_by"]);
    for (const index of ["reports_status_idx", "reports_queue_counts_idx"]) {
      const { rows: held } = await withSystem((trx) =>
        sql<{ column: string }>`
          select a.attname as column
          from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
          where i.indexrelid = ${`public.${index}`}::regclass`.execute(trx),
      );
      expect(held.map((h) => h.column), index).toEqual(expect.arrayContaining(read));
    }
  });
});
