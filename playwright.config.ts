import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_FLAGS, findChromium } from "./tests/e2e/chromium";

const PORT = Number(process.env.E2E_PORT ?? 3100);
export const DEV_PORT = PORT + 1;
export const E2E_DATA_DIR = ".data/e2e";

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath: findChromium() ?? undefined, args: CHROMIUM_FLAGS },
  },
  projects: [
    { name: "setup", testMatch: /global\.setup\.ts/ },
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], launchOptions: { executablePath: findChromium() ?? undefined, args: CHROMIUM_FLAGS } },
      dependencies: ["setup"],
    },
  ],
  webServer: [
    {
      // The production build in test mode (demo data and outbox on), on a fresh embedded database;
      // never the developer's DATABASE_URL. `npm test` builds first.
      command: `rm -rf ${E2E_DATA_DIR} && env -u DATABASE_URL npx tsx server.ts`,
      url: `http://localhost:${PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore",
      stderr: "pipe",
      env: { PORT: String(PORT), DATA_DIR: E2E_DATA_DIR, NODE_ENV: "test", JOBS_INTERVAL_SECONDS: "2" },
    },
    {
      // `npm run dev` as a fresh clone runs it: no data, no Vite cache (tests/e2e/dev-server.spec.ts).
      command: "rm -rf .data/e2e-dev node_modules/.vite && env -u DATABASE_URL npx tsx server.ts",
      url: `http://localhost:${DEV_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore",
      stderr: "pipe",
      env: { PORT: String(DEV_PORT), HMR_PORT: "24701", DATA_DIR: ".data/e2e-dev", NODE_ENV: "development" },
    },
  ],
});
