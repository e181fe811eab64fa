import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_FLAGS, findChromium } from "./tests/e2e/chromium";

import { E2E_DATA_DIR, E2E_PORT as PORT } from "./tests/e2e/paths";

export const DEV_PORT = PORT + 1;

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
      // never the developer's DATABASE_URL (nor DATABASE_APP_URL). `npm test` builds first.
      // The server's output is kept so the privacy canary test can check no sealed text was logged.
      command: `rm -rf ${E2E_DATA_DIR} && mkdir -p .data && env -u DATABASE_URL -u DATABASE_APP_URL npx tsx server.ts 2>&1 | tee ${E2E_DATA_DIR}-server.log`,
      url: `http://localhost:${PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore",
      stderr: "pipe",
      env: { PORT: String(PORT), DATA_DIR: E2E_DATA_DIR, NODE_ENV: "test", JOBS_INTERVAL_SECONDS: "2" },
    },
    {
      // `npm run dev` as a fresh clone runs it: no data, no Vite cache (tests/e2e/dev-server.spec.ts).
      command: `rm -rf ${E2E_DATA_DIR}-dev node_modules/.vite && env -u DATABASE_URL -u DATABASE_APP_URL npx tsx server.ts`,
      url: `http://localhost:${DEV_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore",
      stderr: "pipe",
      env: { PORT: String(DEV_PORT), HMR_PORT: String(PORT + 21601), DATA_DIR: `${E2E_DATA_DIR}-dev`, NODE_ENV: "development" },
    },
  ],
});
