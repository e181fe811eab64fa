import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../app/db/embedded.server";
import { migrate } from "../../app/db/migrate.server";
import { ensureRequestLogin } from "../../app/db/request-login.server";
import { recreateDatabase, TEMPLATE_DB, urlFor } from "./test-database";

/**
 * One migrated template database per run. The server is DATABASE_URL's when set (CI runs the
 * suite a second time on the machine's PostgreSQL 15), else an embedded PostgreSQL of its own.
 * The tests' requests log in as the app's do: as DATABASE_APP_URL's role when it is set, else
 * as testigo_app with the password derived from the owner's (docs/decisions/017-request-login.md).
 */
export default async function setup(project: TestProject) {
  let serverUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!serverUrl) {
    const handle = await startEmbeddedPostgres(path.resolve(".data/test"));
    serverUrl = handle.url;
    stop = handle.stop;
  }
  const started = performance.now();
  await recreateDatabase(serverUrl, TEMPLATE_DB);
  await migrate(urlFor(serverUrl, TEMPLATE_DB));
  // Test keys are wrapped with scrypt N = 2^10 so that they wrap in milliseconds: this template
  // (never a real database) accepts them. Production keeps 2^17 (supabase/migrations/*_crypto_hygiene.sql).
  const template = new pg.Client({ connectionString: urlFor(serverUrl, TEMPLATE_DB) });
  await template.connect();
  await template.query("update private.sealing_policy set min_scrypt_n = 1024");
  // Keys become recipients at once here; the tests of the waiting period set the one they need.
  await template.query("update private.sealing_policy set key_wait = interval '0'");
  await template.end();
  console.log(`Template database migrated in ${Math.round(performance.now() - started)} ms`);
  const login = process.env.DATABASE_APP_URL ? { url: process.env.DATABASE_APP_URL } : await ensureRequestLogin(urlFor(serverUrl, "postgres"));
  if (!("url" in login)) throw new Error(`The tests' requests have no login of their own: ${login.reason}`);
  project.provide("testServerUrl", serverUrl);
  project.provide("testRequestUrl", login.url);
  return stop;
}

declare module "vitest" {
  export interface ProvidedContext {
    testServerUrl: string;
    /** The requests' login on the same server (any database: tests put their own in the path). */
    testRequestUrl: string;
  }
}
