/**
 * The statement budget (issue 15, docs/decisions/012-request-pipeline.md): how many transactions
 * and statements each key request costs the database, counted on the wire by a proxy between the
 * production server and PostgreSQL (bench/lib/pg-proxy.ts: `begin`, `set_config` and `commit`
 * count as statements, as PostgreSQL logs them). Counts, not timings, so the test is stable; the
 * bench (`npm run bench -- --only=remote`) turns round trips into milliseconds.
 *
 * The server runs the build in build/ with NODE_ENV=test on a fresh database it migrates and
 * seeds with the demo data; the demo people get sessions as sign-in makes them.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ProductionServer, request } from "../../bench/lib/harness";
import { startPgProxy, type PgProxy, type ProxyCounters } from "../../bench/lib/pg-proxy";
import { ensureFreshBuild } from "../setup/build";
import { recreateDatabase, TEST_DB_PREFIX, urlFor } from "../setup/test-database";

/** Every page: ≤ 2 transactions and ≤ 12 statements. */
const PAGE = { transactions: 2, statements: 12 };

interface Case {
  name: string;
  as: keyof typeof PEOPLE;
  method: "GET" | "POST";
  path: (ids: Ids) => string;
  body?: (ids: Ids) => URLSearchParams;
  status: number;
  /** Round trips as the proxy counts them, where a case promises a number of them too. */
  budget: { transactions: number; statements: number; roundTrips?: number };
  why?: string;
}

const PEOPLE = {
  observer: "observer@example.org",
  observer2: "observer2@example.org",
  coordinator: "coordinator@example.org",
  attorney: "attorney@example.org",
  hotline: "hotline@example.org",
} as const;

interface Ids {
  shift: string;
  claimable: string;
  claimable2: string;
  claimable3: string;
  report: string;
  /** A call logged by the demo hotline volunteer. */
  intake: string;
  /** A report of the demo observer's own. */
  ownReport: string;
  occurredAt: string;
}

const CASES: Case[] = [
  { name: "GET /shifts", as: "observer", method: "GET", path: () => "/shifts", status: 200, budget: PAGE },
  { name: "GET /shifts/:id", as: "observer", method: "GET", path: (ids) => `/shifts/${ids.shift}`, status: 200, budget: PAGE },
  { name: "GET /my/shifts", as: "observer", method: "GET", path: () => "/my/shifts", status: 200, budget: PAGE },
  { name: "GET /reports/new", as: "observer", method: "GET", path: () => "/reports/new", status: 200, budget: PAGE },
  { name: "GET /review", as: "attorney", method: "GET", path: () => "/review", status: 200, budget: PAGE },
  {
    name: "GET /review/:id",
    as: "attorney",
    method: "GET",
    path: (ids) => `/review/${ids.report}`,
    status: 200,
    budget: { transactions: PAGE.transactions + 1, statements: PAGE.statements + 4 },
    why: "plus the audit of the view, in a transaction of its own committed before the report is read (begin and claims, the record, commit)",
  },
  { name: "GET /coordinate/live", as: "coordinator", method: "GET", path: () => "/coordinate/live", status: 200, budget: PAGE },
  { name: "GET /", as: "observer", method: "GET", path: () => "/", status: 200, budget: PAGE },
  { name: "GET /profile", as: "observer", method: "GET", path: () => "/profile", status: 200, budget: PAGE },
  { name: "GET /coordinate/observers", as: "coordinator", method: "GET", path: () => "/coordinate/observers", status: 200, budget: PAGE },
  {
    name: "GET /coordinate/observers (a page past the end, with filters)",
    as: "coordinator",
    method: "GET",
    path: () => "/coordinate/observers?q=a&training=valid&page=9999",
    status: 200,
    budget: PAGE,
    why: "the empty page, the count and the last page, in the loader's one read transaction",
  },
  { name: "GET /coordinate/shifts/:id", as: "coordinator", method: "GET", path: (ids) => `/coordinate/shifts/${ids.shift}`, status: 200, budget: PAGE },
  { name: "GET /coordinate/coverage", as: "coordinator", method: "GET", path: () => "/coordinate/coverage", status: 200, budget: PAGE },
  { name: "GET /hotline", as: "hotline", method: "GET", path: () => "/hotline", status: 200, budget: PAGE },
  { name: "GET /hotline/new", as: "hotline", method: "GET", path: () => "/hotline/new", status: 200, budget: PAGE },
  // A coordinator's view of a call also reads its community alerts ("Publish alert").
  {
    name: "GET /hotline/:id (coordinator)",
    as: "coordinator",
    method: "GET",
    path: (ids) => `/hotline/${ids.intake}`,
    status: 200,
    budget: { transactions: 1, statements: PAGE.statements, roundTrips: 3 },
    why: "the call and its community alerts read together in the request's one read transaction: the person, the reads, the commit",
  },
  { name: "GET /hotline/:id (the volunteer who logged it)", as: "hotline", method: "GET", path: (ids) => `/hotline/${ids.intake}`, status: 200, budget: PAGE },
  { name: "GET /reports/:id/declaration (the observer's own report)", as: "observer", method: "GET", path: (ids) => `/reports/${ids.ownReport}/declaration`, status: 200, budget: PAGE },
  {
    name: "POST /shifts/:id (claim, without JavaScript)",
    as: "observer2",
    method: "POST",
    path: (ids) => `/shifts/${ids.claimable}`,
    body: () => new URLSearchParams({ intent: "claim" }),
    status: 200,
    // The claim (one transaction, which finds the person itself), then the loaders it revalidates.
    budget: { transactions: 1 + PAGE.transactions - 1, statements: 5 + PAGE.statements - 1 },
    why: "the claim's transaction, which finds the person itself (begin, the person and the claims, its guard, the claim with its waitlist position, commit), and the page's reads",
  },
  {
    name: "POST /shifts?index (claim from the list, without JavaScript)",
    as: "observer2",
    method: "POST",
    path: () => "/shifts?index",
    body: (ids) => new URLSearchParams({ intent: "claim", shiftId: ids.claimable3 }),
    status: 200,
    // The same action as the shift page's, then the list's reads.
    budget: { transactions: 1 + PAGE.transactions - 1, statements: 5 + PAGE.statements - 1 },
    why: "the claim's transaction, which finds the person itself, and the list's reads",
  },
  {
    name: "POST /shifts/:id.data (claim, with JavaScript)",
    as: "observer2",
    method: "POST",
    path: (ids) => `/shifts/${ids.claimable2}.data`,
    body: () => new URLSearchParams({ intent: "claim" }),
    status: 200,
    // The loaders are revalidated by the browser's next request, counted as a page.
    budget: { transactions: 1, statements: 5, roundTrips: 1 },
    why: "one transaction in one round trip, which finds the person itself: begin, the person and the claims, its guard, the claim with its waitlist position, commit",
  },
  {
    name: "POST /reports/new.data (report submission)",
    as: "observer",
    method: "POST",
    path: () => "/reports/new.data",
    body: (ids) =>
      new URLSearchParams([
        ["clientUuid", randomUUID()],
        ["occurredAt", ids.occurredAt],
        ["activities", "questioning"],
        ["agencies", "ice_ero"],
        ["urgency", "high"],
        ["crossStreets", "Cermak & Blue Island"],
        ["warrant", "unknown"],
        ["narrative", "Two unmarked cars stopped near the bakery."],
      ]),
    status: 202,
    budget: { transactions: 2, statements: 12 },
    why: "the session's one statement, then the submission's one transaction",
  },
];

const SECRET = randomBytes(32).toString("base64url");
const database = `${TEST_DB_PREFIX}testigo_budget_${process.env.VITEST_POOL_ID ?? "0"}`;
const serverUrl = inject("testServerUrl");
const databaseUrl = urlFor(serverUrl, database);
let proxy: PgProxy;
const server = new ProductionServer();
const cookies = new Map<string, string>();
let ids: Ids;
const measured: { name: string; counters: ProxyCounters; budget: Case["budget"] }[] = [];

async function owner<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until nothing has crossed the proxy for a while: the shared reads commit after the response. */
async function settled(): Promise<ProxyCounters> {
  let last = JSON.stringify(proxy.counters());
  for (let quiet = 0; quiet < 4; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = JSON.stringify(proxy.counters());
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return proxy.counters();
}

async function send(c: Case) {
  const headers: Record<string, string> = { Cookie: cookies.get(c.as)!, Accept: "text/html" };
  const body = c.body?.(ids).toString();
  if (body !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers.Origin = `http://127.0.0.1:${server.port}`;
  }
  return request(server.port, c.method, c.path(ids), headers, body);
}

beforeAll(async () => {
  ensureFreshBuild();
  await recreateDatabase(serverUrl, database);
  proxy = await startPgProxy({ target: databaseUrl, record: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), "testigo-budget-"));
  await server.start({
    databaseUrl: proxy.url(databaseUrl),
    sessionSecret: SECRET,
    dataDir,
    // Demo data is seeded outside production; the job runner stays off so that only requests count.
    env: { NODE_ENV: "test", JOBS_INTERVAL_SECONDS: "0" },
  });
  const cookie = createCookie("testigo_session", { path: "/", httpOnly: true, sameSite: "lax", secrets: [SECRET] });
  for (const [who, email] of Object.entries(PEOPLE)) {
    const token = randomBytes(32).toString("base64url");
    const [row] = await owner<{ id: string }>(
      `insert into private.sessions (token_hash, user_id, expires_at)
       select $1, id, now() + interval '1 day' from public.profiles where email = $2 returning user_id as id`,
      [createHash("sha256").update(token).digest("hex"), email],
    );
    expect(row, `${email} is in the demo data`).toBeTruthy();
    cookies.set(who, (await cookie.serialize(token)).split(";")[0]!);
  }
  const [shift] = await owner<{ id: string }>("select id from public.shifts where starts_at > now() order by starts_at limit 1");
  // A shift the second demo observer can claim: open spots, and nothing of theirs at that time.
  const candidates = await owner<{ id: string; starts_at: Date; ends_at: Date }>(
    `select s.id, s.starts_at, s.ends_at from public.shifts s
     where s.starts_at > now() + interval '1 day'
       and s.capacity > (select count(*) from public.shift_assignments a where a.shift_id = s.id and a.status in ('claimed', 'checked_in'))
       and not exists (
         select 1 from public.shift_assignments a join public.shifts o on o.id = a.shift_id
         join public.profiles p on p.id = a.observer_id
         where p.email = $1 and a.status in ('claimed', 'checked_in', 'waitlisted') and tstzrange(o.starts_at, o.ends_at) && tstzrange(s.starts_at, s.ends_at))
     order by s.starts_at desc limit 50`,
    [PEOPLE.observer2],
  );
  // Three of them that do not overlap each other: all are claimed.
  const claimable = candidates[0];
  const apart = (a: { starts_at: Date; ends_at: Date }, b: { starts_at: Date; ends_at: Date }) => a.starts_at >= b.ends_at || a.ends_at <= b.starts_at;
  const claimable2 = candidates.find((c) => apart(c, claimable!));
  const claimable3 = candidates.find((c) => apart(c, claimable!) && apart(c, claimable2!));
  const [report] = await owner<{ id: string }>("select id from public.reports order by submitted_at desc limit 1");
  const [intake] = await owner<{ id: string }>(
    `insert into public.reports (client_uuid, source, logged_by, occurred_at, cross_streets, activities, agencies, narrative)
     select gen_random_uuid(), 'hotline', id, now() - interval '10 minutes', 'Cermak & Blue Island', '{questioning}', '{ice_ero}', 'A neighbour called.'
     from public.profiles where email = $1 returning id`,
    [PEOPLE.hotline],
  );
  const [ownReport] = await owner<{ id: string }>(
    "select r.id from public.reports r join public.profiles p on p.id = r.author_id where p.email = $1 order by r.submitted_at desc limit 1",
    [PEOPLE.observer],
  );
  const [zone] = await owner<{ time_zone: string }>("select time_zone from public.org_settings limit 1");
  const local = new Date(Date.now() - 20 * 60_000).toLocaleString("sv-SE", { timeZone: zone!.time_zone }).replace(" ", "T").slice(0, 16);
  ids = { shift: shift!.id, claimable: claimable!.id, claimable2: claimable2!.id, claimable3: claimable3!.id, report: report!.id, intake: intake!.id, ownReport: ownReport!.id, occurredAt: local };
}, 180_000);

afterAll(async () => {
  await server.stop();
  await proxy?.close();
  if (measured.length) {
    console.log(
      ["request | transactions (budget) | statements (budget) | round trips", "--- | --- | --- | ---"]
        .concat(measured.map((m) => `${m.name} | ${m.counters.transactions} (${m.budget.transactions}) | ${m.counters.statements} (${m.budget.statements}) | ${m.counters.roundTrips}`))
        .join("\n"),
    );
  }
});

describe("the server's logins", () => {
  it("serves pages as testigo_app; the owner holds only the system pool's few connections (docs/decisions/017-request-login.md)", async () => {
    const cookie = cookies.get("observer")!;
    expect((await request(server.port, "GET", "/shifts", { Cookie: cookie, Accept: "text/html" })).status).toBe(200);
    const rows = await owner<{ usename: string; n: number }>(
      "select usename, count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() group by usename",
    );
    const by = Object.fromEntries(rows.map((r) => [r.usename, r.n]));
    expect(by.testigo_app).toBeGreaterThan(0);
    const ownerName = new URL(databaseUrl).username;
    expect(by[ownerName] ?? 0).toBeLessThanOrEqual(4);
  });
});

describe("statement budget per request", () => {
  for (const c of CASES) {
    it(`${c.name}: ≤ ${c.budget.transactions} transactions, ≤ ${c.budget.statements} statements${c.budget.roundTrips ? `, ≤ ${c.budget.roundTrips} round trips` : ""}${c.why ? ` (${c.why})` : ""}`, async () => {
      // Once to warm what an instance keeps (the organisation's settings); pages are measured the second time.
      if (c.method === "GET") expect((await send(c)).status).toBe(c.status);
      await settled();
      proxy.reset();
      const reply = await send(c);
      const counters = await settled();
      measured.push({ name: c.name, counters, budget: c.budget });
      const trail = counters.statementLog.map((s) => `#${s.connection} ${s.sql}`).join("\n  ");
      expect(reply.status, reply.body.slice(0, 300)).toBe(c.status);
      expect(counters.transactions, `transactions of ${c.name}:\n  ${trail}`).toBeLessThanOrEqual(c.budget.transactions);
      expect(counters.statements, `statements of ${c.name}:\n  ${trail}`).toBeLessThanOrEqual(c.budget.statements);
      if (c.budget.roundTrips !== undefined) expect(counters.roundTrips, `round trips of ${c.name}:\n  ${trail}`).toBeLessThanOrEqual(c.budget.roundTrips);
      // The person is found once, whatever number of loaders ask.
      expect(counters.statementLog.filter((s) => /^select p\.\*/.test(s.sql)).length, trail).toBe(1);
    });
  }
});
