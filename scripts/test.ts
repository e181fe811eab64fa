/**
 * `npm test`: the database and unit tests (Vitest, real PostgreSQL), then the browser tests
 * (Playwright, real Chromium). Ends with one summary line: "N passed, N failed".
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { findChromium } from "../tests/e2e/chromium";

const reports = path.resolve(".data/reports");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const args = process.argv.slice(2);
const only = args.includes("--unit") ? "unit" : args.includes("--e2e") ? "e2e" : "all";

function run(command: string, commandArgs: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit", env: { ...process.env, ...env } });
  return result.status ?? 1;
}

let passed = 0;
let failed = 0;
let status = 0;

// The production build first: the browser tests serve it, and so does the database-restart chaos
// test (tests/chaos), which runs with the unit tests.
if (only !== "unit") status ||= run("npx", ["remix", "vite:build"]);

if (only !== "e2e") {
  const vitestReport = path.join(reports, "vitest.json");
  status ||= run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`]);
  if (existsSync(vitestReport)) {
    const report = JSON.parse(readFileSync(vitestReport, "utf8")) as { numPassedTests: number; numFailedTests: number };
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
}

if (only !== "unit") {
  if (!findChromium()) {
    console.error(
      "\nNo Chromium found for the browser tests.\n" +
        "  Debian/Ubuntu: sudo apt-get install -y chromium\n" +
        "  elsewhere:     npx playwright install chromium\n" +
        "  or point CHROMIUM_PATH at a Chromium or Chrome binary.\n",
    );
    process.exit(1);
  }
  const playwrightReport = path.join(reports, "playwright.json");
  status ||= run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport });
  if (existsSync(playwrightReport)) {
    const report = JSON.parse(readFileSync(playwrightReport, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number } };
    passed += report.stats.expected + report.stats.flaky;
    failed += report.stats.unexpected;
  }
}

if (passed + failed === 0) {
  console.error("No test ran.");
  status ||= 1;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status || (failed > 0 ? 1 : 0));
