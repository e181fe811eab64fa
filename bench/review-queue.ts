/**
 * The attorneys' review queue on 100,000 reports: the queue's loader query (`reviewQueue`: the legal
 * team, one page and the counts per status, in one transaction) as a signed-in attorney under RLS,
 * and the very same Kysely queries (`legalTeam` + `queryQueue` + `countQueue`) in a plain owner
 * transaction without RLS (claims set, role not), for the filters people use most, and two rare
 * ones (four enum filters at once; an agency no report names). `npm run bench:review-queue [-- --rows=100000 --iterations=50]`.
 *
 * Options, as `--name=value` or environment variables: ROWS (default 100000), ITERATIONS per filter
 * and mode (default 50), WARMUP (default 5), SEED (default 20261126), EXPLAIN (`default`: plans of the
 * default filter, and of any filter that is slow or much slower under RLS, the default; `all`; `none`).
 *
 * Everything runs in a throwaway database `testigo_bench_review` on an embedded PostgreSQL in
 * .data/bench-review (never the dev database). The reports are made in one `insert … select … from
 * generate_series` from a seeded hash of the row number, so every run has the same rows (their
 * times are relative to now). RLS and owner runs alternate, so drift on a busy machine hits both.
 * Checks that both see the same rows and counts (an attorney reads every report). Exits non-zero on
 * a mismatch or an error. Writes bench/results/review-queue.json: one object per metric.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { options, round, startBenchDatabase, type BenchDatabase } from "./lib/harness";
import { explainQueue, measureReviewQueue, seedReviewData, type Plans, type QueueRow } from "./lib/review-queue";

// ---- options ------------------------------------------------------------------------------

const option = options();
const ROWS = Number(option("ROWS", "100000"));
const ITERATIONS = Number(option("ITERATIONS", "50"));
const WARMUP = Number(option("WARMUP", "5"));
const SEED = Number(option("SEED", "20261126"));
const EXPLAIN = option("EXPLAIN", "default") as "default" | "all" | "none";
if (
  !(Number.isInteger(ROWS) && ROWS >= 1000 && ROWS <= 5_000_000) ||
  !(Number.isInteger(ITERATIONS) && ITERATIONS >= 1) ||
  !(Number.isInteger(WARMUP) && WARMUP >= 0) ||
  !Number.isInteger(SEED) ||
  !["default", "all", "none"].includes(EXPLAIN)
) {
  console.error(
    "Usage: bench/review-queue.ts [--rows=100000 (1000-5000000)] [--iterations=50] [--warmup=5] [--seed=20261126] [--explain=default|all|none]",
  );
  process.exit(2);
}

const DB_NAME = "testigo_bench_review";

// ---- cleanup ------------------------------------------------------------------------------

let database: BenchDatabase | undefined;
let owner: pg.Client | undefined;
let closeAppPool: (() => Promise<void>) | undefined;

async function cleanup() {
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

// ---- main ---------------------------------------------------------------------------------

async function main() {
  const t0 = performance.now();
  database = await startBenchDatabase(".data/bench-review", DB_NAME);
  const databaseUrl = database.url;
  process.env.DATABASE_URL = databaseUrl;
  process.env.DATABASE_POOL_SIZE = "4";
  const { closeDb } = await import("../app/db/client.server");
  closeAppPool = closeDb;

  owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();

  const data = await seedReviewData(owner, { rows: ROWS, seed: SEED, serializeCookie: null });
  const attorney = data.attorneys[0]!;
  const m = await measureReviewQueue({ attorney, zone: data.zones[2]!, iterations: ITERATIONS, warmup: WARMUP });
  const { rows, overall, slow, shapes, mismatches } = m;

  // ---- report ----
  const f = (n: number) => n.toFixed(1).padStart(8);
  const line = (r: QueueRow, shape?: { rows: number; total: number }) =>
    [
      r.label.padEnd(28),
      (shape ? String(shape.rows) : "").padStart(4),
      (shape ? String(shape.total) : "").padStart(7),
      f(r.rls.p50),
      f(r.rls.p95),
      f(r.owner.p50),
      f(r.owner.p95),
      r.ratioP50.toFixed(2).padStart(7),
      r.ratioP95.toFixed(2).padStart(7),
      slow.includes(r) ? "  SLOW" : "",
    ].join(" ");
  console.log("");
  console.log(
    `Review queue: ${ROWS} reports (${data.tableSize}, seeded in ${round(data.seedMs / 1000)} s; ${data.mix.map((x) => `${x.status} ${x.n}`).join(", ")})`,
  );
  console.log(
    `PostgreSQL ${database.serverVersion}, ${os.cpus().length} CPUs, Node ${process.version}; ${ITERATIONS} iterations per filter and mode after ${WARMUP} warm-up; ` +
      `one sample = legal team + page of 50 + counts per status, in one transaction`,
  );
  console.log("");
  console.log(
    [
      "filter".padEnd(28), "rows".padStart(4), "total".padStart(7),
      "RLS p50".padStart(8), "RLS p95".padStart(8), "own p50".padStart(8), "own p95".padStart(8), "x p50".padStart(7), "x p95".padStart(7),
    ].join(" "),
  );
  for (const r of rows) console.log(line(r, shapes[r.name]));
  console.log(line(overall));
  console.log("(ms; RLS = reviewQueue() as the signed-in attorney; own = the same queries as the table owner; x = RLS / owner)");
  for (const x of mismatches) console.log(`MISMATCH: ${x}`);

  // ---- plans ----
  const toExplain = EXPLAIN === "none" ? [] : EXPLAIN === "all" ? rows : rows.filter((r) => r.name === "default" || slow.includes(r));
  let plans: Plans = {};
  if (toExplain.length) {
    plans = await explainQueue({ databaseUrl, owner, attorney, measurement: m, names: toExplain.map((r) => r.name) });
    for (const r of toExplain) {
      for (const kind of ["page", "counts"] as const) {
        for (const mode of ["owner", "rls"] as const) {
          console.log("");
          console.log(`EXPLAIN (ANALYZE, BUFFERS) ${r.label}: ${kind} query, ${mode === "rls" ? "as the attorney (RLS)" : "as the owner (no RLS)"}`);
          console.log(plans[r.name]![`${kind}.${mode}`]!.text.map((t) => `  ${t}`).join("\n"));
        }
      }
    }
    if (plans.default) {
      console.log("");
      console.log(`SQL of the default filter's page query:\n  ${plans.default["page.owner"]!.sql}`);
      console.log(`SQL of the default filter's counts query:\n  ${plans.default["counts.owner"]!.sql}`);
    }
  }

  // ---- results ----
  const metrics: { name: string; value: number; unit: string; description: string }[] = [
    { name: "rows", value: ROWS, unit: "reports", description: "Reports in the table (seeded deterministically)" },
    { name: "seed_seconds", value: round(data.seedMs / 1000), unit: "s", description: "Time to seed the reports and vacuum-analyze" },
    { name: "iterations", value: ITERATIONS, unit: "samples", description: "Samples per filter and mode, after warm-up" },
  ];
  for (const r of [...rows, overall]) {
    const what = r.name === "overall" ? "all samples of the common filters together" : `filter ${r.label}`;
    metrics.push(
      { name: `${r.name}.rls.p50`, value: round(r.rls.p50, 2), unit: "ms", description: `reviewQueue() as an attorney under RLS, ${what}, median` },
      { name: `${r.name}.rls.p95`, value: round(r.rls.p95, 2), unit: "ms", description: `reviewQueue() as an attorney under RLS, ${what}, 95th percentile` },
      { name: `${r.name}.owner.p50`, value: round(r.owner.p50, 2), unit: "ms", description: `The same queries as the table owner (no RLS), ${what}, median` },
      { name: `${r.name}.owner.p95`, value: round(r.owner.p95, 2), unit: "ms", description: `The same queries as the table owner (no RLS), ${what}, 95th percentile` },
      { name: `${r.name}.ratio.p50`, value: round(r.ratioP50, 3), unit: "ratio", description: `RLS p50 / owner p50, ${what}` },
      { name: `${r.name}.ratio.p95`, value: round(r.ratioP95, 3), unit: "ratio", description: `RLS p95 / owner p95, ${what}` },
    );
  }
  for (const [name, byQuery] of Object.entries(plans)) {
    for (const [which, p] of Object.entries(byQuery)) {
      if (p.execution !== null) {
        metrics.push({ name: `${name}.explain.${which}.execution`, value: p.execution, unit: "ms", description: `EXPLAIN ANALYZE execution time, ${which.replace(".", " query, ")}` });
      }
    }
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/review-queue.json", `${JSON.stringify(metrics, null, 2)}\n`);
  console.log("");
  console.log(`Total ${round((performance.now() - t0) / 1000)} s (measuring ${round(m.measureMs / 1000)} s). Wrote bench/results/review-queue.json.`);
  return mismatches.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
} finally {
  await cleanup();
}
process.exit(code);
