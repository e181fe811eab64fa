import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, inject, vi } from "vitest";
import { closeDb } from "../../app/db/client.server";
import { recreateDatabase, TEMPLATE_DB, TEST_DB_PREFIX, urlFor } from "./test-database";

// Each test file gets a fresh copy of the migrated template, named after its worker slot.
const serverUrl = inject("testServerUrl");
const database = `${TEST_DB_PREFIX}testigo_test_${process.env.VITEST_POOL_ID ?? "0"}`;
await recreateDatabase(serverUrl, database, TEMPLATE_DB);
// The owner's (withSystem) and the requests' login (withUser), as server.ts sets them.
process.env.DATABASE_URL = urlFor(serverUrl, database);
process.env.DATABASE_APP_URL = urlFor(inject("testRequestUrl"), database);
process.env.DATA_DIR = mkdtempSync(path.join(tmpdir(), "testigo-test-"));

// An unexpected console.error fails the test; tests that expect one mock it themselves.
let errorSpy: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  errorSpy = vi.spyOn(console, "error");
});
afterEach(() => {
  const calls = errorSpy.mock.calls;
  errorSpy.mockRestore();
  if (calls.length) throw new Error(`console.error was called: ${calls.map((c) => c.join(" ")).join("\n")}`);
});

afterAll(async () => {
  await closeDb();
});
