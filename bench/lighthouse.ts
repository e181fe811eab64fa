/**
 * Lighthouse on the pages observers and attorneys use most: `npm run bench:lighthouse`.
 *
 * Lighthouse 12 in its default mode, mobile (a mid-range phone on a slow 4G connection, simulated),
 * on /login (signed out), /shifts and /reports/new (an observer) and /review (an attorney), RUNS
 * times each (3 by default); the table shows the median of each category's score (performance,
 * accessibility, best practices, SEO) and of the main timings. Against the production build
 * (built when missing or older than app/), served by the production server on a free port, on a
 * throwaway database `testigo_bench_lighthouse` in an embedded PostgreSQL in .data/bench-lighthouse
 * (never the dev database), seeded deterministically: REPORTS reports (2,000), 100 upcoming shifts,
 * the review's attorneys and sealing keys, one trained observer. Signed-in pages get a session made
 * in the database as the sign-in makes it, sent as a Cookie header.
 *
 * Chromium: CHROME_PATH (else CHROMIUM_PATH, /usr/bin/chromium, Playwright's), run with
 * --headless=new --no-sandbox --disable-gpu. Nothing is fetched from the network. Not run in CI
 * (too slow and too noisy on a shared machine): the bundle budgets are (npm run budgets).
 *
 * Goals (docs/decisions/009-performance-budgets.md): performance ≥ 95, accessibility 100.
 * Writes bench/results/lighthouse.json ({ name, value, unit, description } per figure) and exits
 * non-zero when a run failed (not when a goal is missed: the table says so).
 *
 * Options (`--name=value` or environment variables): RUNS (3), REPORTS (2000), BUILD (auto|always|never).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import lighthouse, { type Flags, type Result } from "lighthouse";
import pg from "pg";
import { findChromium } from "../tests/e2e/chromium";
import { ensureBuild, keepAlive, makePeople, options, ProductionServer, round, startBenchDatabase, type BenchDatabase, type BuildMode } from "./lib/harness";
import { seedReviewData } from "./lib/review-queue";

const option = options();
const RUNS = Number(option("RUNS", "3"));
const REPORTS = Number(option("REPORTS", "2000"));
const BUILD = option("BUILD", "auto") as BuildMode;
if (!(Number.isInteger(RUNS) && RUNS >= 1 && Number.isInteger(REPORTS) && REPORTS >= 1000) || !["auto", "always", "never"].includes(BUILD)) {
  console.error("Usage: bench/lighthouse.ts [--runs=3] [--reports=2000 (≥ 1000)] [--build=auto|always|never]");
  process.exit(2);
}

const DB_NAME = "testigo_bench_lighthouse";
const DATA_DIR = ".data/bench-lighthouse";
const SESSION_SECRET = randomBytes(32).toString("base64url");
const SEED = 20261126;
Object.assign(process.env, { NODE_ENV: "production", SESSION_SECRET, SMTP_URL: "smtp://127.0.0.1:2525" });

/** Flags the brief asks for; the rest keep a headless browser from calling home. */
const CHROME_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--metrics-recording-only",
  "--mute-audio",
];
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;
const TIMINGS = [
  ["first-contentful-paint", "fcp"],
  ["largest-contentful-paint", "lcp"],
  ["total-blocking-time", "tbt"],
  ["speed-index", "si"],
  ["cumulative-layout-shift", "cls"],
] as const;
const GOALS = { performance: 95, accessibility: 100 } as const;

let database: BenchDatabase | undefined;
const server = new ProductionServer();
let owner: pg.Client | undefined;
let closeAppPool: (() => Promise<void>) | undefined;
let browser: { port: number; stop: () => Promise<void> } | undefined;

async function cleanup() {
  await browser?.stop().catch(() => {});
  await server.stop();
  await closeAppPool?.().catch(() => {});
  await owner?.end().catch(() => {});
  await database?.stop().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Chromium with a DevTools port for Lighthouse, in a throwaway profile. */
async function launchChromium(): Promise<{ port: number; stop: () => Promise<void> }> {
  const executable = process.env.CHROME_PATH || findChromium();
  if (!executable) throw new Error("No Chromium: set CHROME_PATH (Debian: apt-get install chromium).");
  const profile = mkdtempSync(path.join(os.tmpdir(), "testigo-lighthouse-"));
  const child = spawn(executable, [...CHROME_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${seen}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}):\n${seen}`));
    });
  });
  child.stderr!.resume();
  return {
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          /* gone */
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** 100 upcoming shifts over the next 13 days, round-robin over the zones (as bench/run.ts seeds 500). */
async function seedShifts(zones: string[]) {
  await owner!.query(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity, needs_languages, notes)
     select ($1::uuid[])[1 + (g % cardinality($1::uuid[]))],
            date_trunc('hour', now()) + interval '2 hours' + (g - 1) * interval '187 minutes',
            date_trunc('hour', now()) + interval '6 hours' + (g - 1) * interval '187 minutes',
            2 + g % 5,
            case when g % 4 = 0 then '{es}'::text[] else '{}'::text[] end,
            'Lighthouse shift ' || g
     from generate_series(1, 100) g`,
    [zones],
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface PageResult {
  path: string;
  as: string;
  scores: Record<(typeof CATEGORIES)[number], number[]>;
  timings: Record<(typeof TIMINGS)[number][1], number[]>;
  /** Audits that lost points in any run, by category: id and title. */
  lost: Map<string, string>;
}

async function main() {
  const t0 = performance.now();
  console.log(`Lighthouse ${RUNS}× per page, mobile (simulated slow 4G, 4× CPU slowdown); ${os.cpus().length} CPUs, Node ${process.version}`);
  const build = ensureBuild(BUILD);
  database = await startBenchDatabase(DATA_DIR, DB_NAME);
  process.env.DATABASE_URL = database.url;
  rmSync(`${DATA_DIR}/files`, { recursive: true, force: true });

  const { closeDb } = await import("../app/db/client.server");
  const { sessionCookie } = await import("../app/modules/auth/cookies.server");
  closeAppPool = closeDb;
  const cookie = sessionCookie();
  const serialize = (token: string) => cookie.serialize(token);
  owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
  const data = await seedReviewData(owner, { rows: REPORTS, seed: SEED, serializeCookie: serialize });
  await seedShifts(data.zones);
  const [observer] = await makePeople(owner, serialize, { prefix: "lighthouse_observer", count: 1, role: "observer", trainedDaysAgo: 30 });
  await owner.query("analyze");

  const port = await server.start({ databaseUrl: database.url, sessionSecret: SESSION_SECRET, dataDir: DATA_DIR });
  console.log(`Production server (build ${build}) on port ${port}; ${REPORTS} reports, 100 shifts, ${data.zones.length} zones`);
  browser = await launchChromium();
  const chromePort = browser.port;

  const pages: { path: string; as: string; cookie: string | null }[] = [
    { path: "/login", as: "signed out", cookie: null },
    { path: "/shifts", as: "observer", cookie: observer!.cookie },
    { path: "/reports/new", as: "observer", cookie: observer!.cookie },
    { path: "/review", as: "attorney", cookie: data.attorneys[0]!.cookie },
  ];
  const results: PageResult[] = [];
  let failures = 0;
  for (const page of pages) {
    const result: PageResult = {
      path: page.path,
      as: page.as,
      scores: Object.fromEntries(CATEGORIES.map((c) => [c, []])) as unknown as PageResult["scores"],
      timings: Object.fromEntries(TIMINGS.map(([, k]) => [k, []])) as unknown as PageResult["timings"],
      lost: new Map(),
    };
    for (let run = 1; run <= RUNS; run++) {
      const flags: Flags = {
        port: chromePort,
        output: "json",
        logLevel: "error",
        onlyCategories: [...CATEGORIES],
        ...(page.cookie ? { extraHeaders: { Cookie: page.cookie } } : {}),
      };
      // Lighthouse sometimes loses a trace (NO_NAVSTART on a busy machine): such a run is tried once more.
      let lhr: Result | undefined;
      for (let attempt = 1; attempt <= 2; attempt++) {
        lhr = (await lighthouse(`http://127.0.0.1:${port}${page.path}`, flags))?.lhr;
        if (lhr && !lhr.runtimeError) break;
        if (attempt === 1) console.error(`  ${page.path} run ${run}: ${lhr?.runtimeError?.message ?? "no result"}; trying again`);
      }
      if (!lhr || lhr.runtimeError || lhr.finalDisplayedUrl.replace(/\/$/, "") !== `http://127.0.0.1:${port}${page.path}`) {
        failures++;
        console.error(`  ${page.path} run ${run}: ${lhr?.runtimeError?.message ?? (lhr ? `ended on ${lhr.finalDisplayedUrl}` : "no result")}`);
        continue;
      }
      for (const category of CATEGORIES) {
        const c = lhr.categories[category]!;
        result.scores[category].push(Math.round((c.score ?? 0) * 100));
        for (const ref of c.auditRefs) {
          const audit = lhr.audits[ref.id]!;
          if (ref.weight > 0 && audit.score !== null && audit.score < 1) result.lost.set(`${category}: ${ref.id}`, audit.title);
        }
      }
      for (const [id, key] of TIMINGS) result.timings[key].push(lhr.audits[id]?.numericValue ?? NaN);
      process.stdout.write(`  ${page.path} run ${run}: ${CATEGORIES.map((c) => `${c} ${result.scores[c].at(-1)}`).join(", ")}\n`);
    }
    results.push(result);
  }

  // ---- the table and the results file ----
  const metrics: { name: string; value: number; unit: string; description: string }[] = [];
  const head = ["page", "as", "perf", "a11y", "best pr.", "SEO", "FCP ms", "LCP ms", "TBT ms", "SI ms", "CLS"];
  const rows: string[][] = [];
  for (const r of results) {
    if (!r.scores.performance.length) continue;
    const s = (c: (typeof CATEGORIES)[number]) => median(r.scores[c]);
    const t = (k: (typeof TIMINGS)[number][1]) => median(r.timings[k]);
    rows.push([r.path, r.as, ...CATEGORIES.map((c) => String(s(c))), ...(["fcp", "lcp", "tbt", "si"] as const).map((k) => String(Math.round(t(k)))), String(round(t("cls"), 3))]);
    for (const c of CATEGORIES) {
      metrics.push({
        name: `lighthouse${r.path}.${c}`,
        value: s(c),
        unit: "score",
        description: `Lighthouse ${c} score of ${r.path} (${r.as}), mobile, median of ${r.scores[c].length} runs (runs: ${r.scores[c].join(", ")})`,
      });
    }
    for (const [id, k] of TIMINGS) {
      metrics.push({
        name: `lighthouse${r.path}.${k}`,
        value: k === "cls" ? round(t(k), 3) : Math.round(t(k)),
        unit: k === "cls" ? "score" : "ms",
        description: `Lighthouse ${id} of ${r.path} (${r.as}), simulated mobile, median of ${r.timings[k].length} runs`,
      });
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  console.log("");
  console.log(head.map((h, i) => (i < 2 ? h.padEnd(widths[i]!) : h.padStart(widths[i]!))).join("  "));
  for (const row of rows) console.log(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
  console.log(`\nMedian of ${RUNS} runs per page. Goals: performance ≥ ${GOALS.performance}, accessibility ${GOALS.accessibility}.`);
  for (const r of results) {
    const missed = (Object.keys(GOALS) as (keyof typeof GOALS)[]).filter((c) => r.scores[c].length && median(r.scores[c]) < GOALS[c]);
    if (missed.length) console.log(`  ${r.path} misses the ${missed.join(" and ")} goal.`);
    if (r.lost.size) console.log(`  ${r.path} lost points on: ${[...r.lost].map(([id, title]) => `${id} (${title})`).join("; ")}`);
  }
  console.log("  SEO: every page says noindex on purpose (nothing in Testigo belongs in a search engine), and Lighthouse counts that against it.");
  metrics.push({ name: "lighthouse.runs", value: RUNS, unit: "runs", description: "Lighthouse runs per page (the scores are their median)" });
  metrics.push({ name: "lighthouse.failures", value: failures, unit: "runs", description: "Lighthouse runs that failed (0 when all ran)" });
  metrics.push({ name: "lighthouse.seconds", value: round((performance.now() - t0) / 1000), unit: "s", description: "Wall time of the whole run, with seeding" });

  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/lighthouse.json", `${JSON.stringify(metrics, null, 2)}\n`);
  console.log("Wrote bench/results/lighthouse.json.");
  return failures ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (server.log.length) console.error(`Server output (last lines):\n${server.log.join("\n")}`);
} finally {
  await cleanup();
  keepAlive.destroy();
}
process.exit(code);
