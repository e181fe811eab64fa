import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_FLAGS, findChromium } from "./tests/e2e/chromium";

const PORT = Number(process.env.E2E_PORT ?? 3100);
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
  webServer: {
    // A fresh embedded database with demo data for every run; never the developer's DATABASE_URL.
    command: `rm -rf ${E2E_DATA_DIR} && env -u DATABASE_URL npx tsx server.ts`,
    url: `http://localhost:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "ignore",
    stderr: "pipe",
    env: { PORT: String(PORT), HMR_PORT: "24701", DATA_DIR: E2E_DATA_DIR, NODE_ENV: "development" },
  },
});
