/**
 * `npm run budgets`: builds the app for production, then checks the gzip JavaScript each page
 * downloads (entry, root, route module, their static imports, and the lazily loaded map on map
 * pages) against its budget. Exits 1, naming the page, its size and its budget, when one is over.
 * KB here are 1000 bytes. Why these numbers: docs/decisions/009-performance-budgets.md.
 *
 *   npm run budgets                  build, then check
 *   tsx scripts/check-budgets.ts --no-build   check the build already in build/
 *   … --files                        also list each page's files
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { gzipFile, readRouteBundles, type RouteBundle } from "./route-bundles";

export const BUDGETS = {
  /** Pages an observer opens on a phone, without a map (issue 7). */
  observer: 110_000,
  /** Any page that shows a map; Leaflet is loaded lazily, after the page is up (issue 7). */
  map: 180_000,
  /** Coordinator, attorney and admin pages without a map: not in the issue; kept from growing. */
  staff: 150_000,
} as const;

/**
 * Pages that cannot meet their kind's budget today, each with its own ceiling and the reason.
 * Lower a ceiling when a page shrinks; never raise one without saying why in ADR 009.
 */
export const EXCEPTIONS: Record<string, { bytes: number; why: string }> = {
  "routes/reports.new": {
    bytes: 184_000,
    why: "the report form: map (Leaflet), validation that works offline (zod + Conform, 24 KB), drafts and outbox, the error summary and field-specific messages (1 KB); sealing (19 KB) and the drafts' owner tag hash load after the form is up; every page's phone menu and Report / Call bar (ADR 022)",
  },
  "routes/review.$id._index": {
    bytes: 182_000,
    why: "the attorney's report page: map, unseal panel (sealed details added later, a call's caller and people named), Publish alert, the error summary on triage, hold, notes, tasks and requests",
  },
  "routes/admin.settings": {
    bytes: 151_000,
    why: "the settings form with field-specific messages, the community alerts' delay and expiry, Quick exit's address and the drafts' lifetime",
  },
  "routes/coordinate.zones._index": { bytes: 250_000, why: "the zone editor: Leaflet-Geoman (75 KB); coordinators only" },
  "routes/coordinate.zones.$id": { bytes: 250_000, why: "the zone editor, as /coordinate/zones" },
};

export function budgetFor(page: RouteBundle): { kind: string; bytes: number } {
  const exception = EXCEPTIONS[page.id];
  if (exception) return { kind: "exception", bytes: exception.bytes };
  const kind = page.maps.length > 0 ? "map" : page.audience;
  return { kind, bytes: BUDGETS[kind] };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

function main() {
  const args = process.argv.slice(2);
  if (!args.includes("--no-build")) {
    console.log("Budgets: building for production…");
    const build = spawnSync("npx", ["remix", "vite:build"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (build.status !== 0) {
      console.error(`${build.stdout}\n${build.stderr}\nBudgets: the production build failed.`);
      process.exit(build.status ?? 1);
    }
  }
  const pages = readRouteBundles();
  const translations = readdirSync("build/client/assets")
    .filter((f) => /^locale-\w+-[\w-]+\.json$/.test(f))
    .map((f) => `${f.replace(/^locale-(\w+)-.*$/, "$1")} ${kb(gzipFile(path.join("build/client/assets", f)))}`);

  console.log("Gzip JavaScript per page (KB = 1000 bytes; entry + root + route + static imports + lazy map)\n");
  console.log(`${"page".padEnd(28)} ${"kind".padEnd(10)} ${"size".padStart(9)} ${"budget".padStart(9)} ${"left".padStart(9)}  later*`);
  const over: string[] = [];
  for (const page of pages) {
    const budget = budgetFor(page);
    const left = budget.bytes - page.gzipBytes;
    if (left < 0) over.push(`${page.url} (${page.id}) is ${kb(page.gzipBytes)} of gzip JavaScript, over its ${budget.kind} budget of ${kb(budget.bytes)} by ${kb(-left)}`);
    console.log(
      `${page.url.padEnd(28)} ${budget.kind.padEnd(10)} ${kb(page.gzipBytes).padStart(9)} ${kb(budget.bytes).padStart(9)} ${kb(left).padStart(9)}${left < 0 ? " OVER" : "     "}  ${page.laterGzipBytes ? kb(page.laterGzipBytes) : ""}`,
    );
    if (args.includes("--files")) for (const f of page.files) console.log(`    ${f}`);
  }
  console.log("\n* later: JavaScript a page may load after it is up (sending reports kept on the phone); not budgeted.");
  for (const [id, exception] of Object.entries(EXCEPTIONS)) {
    const page = pages.find((p) => p.id === id);
    if (page) console.log(`  exception ${page.url}: ${kb(exception.bytes)}, ${exception.why}; ${kb(page.maps.length ? BUDGETS.map : BUDGETS[page.audience])} is the goal.`);
  }
  if (translations.length) console.log(`  Translations (JSON, one language per page, cached): ${translations.join(", ")}; not budgeted.`);

  if (over.length) {
    console.error(`\nBudget exceeded:\n${over.map((o) => `  ✗ ${o}`).join("\n")}`);
    console.error("See docs/decisions/009-performance-budgets.md for how pages stay small.");
    process.exit(1);
  }
  console.log(`\nAll ${pages.length} pages within budget.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
