import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sql, withSystem } from "../../app/db/client.server";

/**
 * Supabase's database linter over the migrated schema (security review, "tests and figures").
 * Every ERROR or WARN must be one of these, each explained in docs/decisions/016-threat-model.md.
 */
const EXPLAINED = new Map([
  // A view that runs as its owner on purpose: coordinators read P0/P1 fields of reports they may
  // not select; it is a security barrier that filters by role itself (ADR 016, reports.test.ts).
  ["security_definer_view public.report_overview", "ADR 016: report_overview"],
  // The same for the hotline's list of calls: the overview of intake reports, filtered by role
  // itself (ADR 025, hotline.test.ts).
  ["security_definer_view public.intake_overview", "ADR 025: intake_overview"],
  // Performance, not security: admins have their own SELECT policy on reports (exports of P0/P1).
  ["multiple_permissive_policies public.reports", "ADR 016: reports_select_admin"],
]);

interface Lint {
  name: string;
  level: "ERROR" | "WARN" | "INFO";
  metadata: { schema?: string; name?: string } | null;
  detail: string;
}

const text = readFileSync(path.resolve("tests/db/splinter/splinter.sql"), "utf8");
// splinter.sql is one `set local search_path` and one query; they run as they are.
const [setting] = text.split(/;\s*\n/, 1);
const query = text.slice(setting!.length).replace(/^;\s*/, "");

/** The linter's ERROR and WARN findings, as "lint schema.name", with `before` run first in the same transaction (then rolled back). */
async function lint(before?: string): Promise<string[]> {
  let rows: Lint[] = [];
  await withSystem(async (trx) => {
    if (before) await sql.raw(before).execute(trx);
    await sql`set local pgrst.db_schemas = 'public'`.execute(trx);
    await sql.raw(setting!).execute(trx);
    rows = (await sql.raw<Lint>(query).execute(trx)).rows;
    throw new RolledBack();
  }).catch((error: unknown) => {
    if (!(error instanceof RolledBack)) throw error;
  });
  expect(rows.length).toBeGreaterThan(0); // the linter ran (INFO findings always exist)
  return rows
    .filter((r) => r.level !== "INFO")
    .map((r) => `${r.name} ${r.metadata?.schema ?? "?"}.${r.metadata?.name ?? "?"}`)
    .sort();
}
class RolledBack extends Error {}

describe("splinter (Supabase's database linter)", () => {
  it("reports no security ERROR or WARN that is not explained", async () => {
    const found = await lint();
    expect(found).toContain("security_definer_view public.report_overview");
    expect(found.filter((f) => !EXPLAINED.has(f)), "unexplained splinter findings").toEqual([]);
  });

  it("would catch a table in public without RLS", async () => {
    const found = await lint("create table public.splinter_canary (id int primary key); grant select on public.splinter_canary to anon");
    expect(found).toContain("rls_disabled_in_public public.splinter_canary");
  });
});
