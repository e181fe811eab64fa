import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../app/db/embedded.server";
import { migrate } from "../../app/db/migrate.server";
import { recreateDatabase, TEMPLATE_DB, urlFor } from "./test-database";

/**
 * One migrated template database per run. The server is DATABASE_URL's when set (CI runs the
 * suite a second time on the machine's PostgreSQL 15), else an embedded PostgreSQL of its own.
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
  console.log(`Template database migrated in ${Math.round(performance.now() - started)} ms`);
  project.provide("testServerUrl", serverUrl);
  return stop;
}

declare module "vitest" {
  export interface ProvidedContext {
    testServerUrl: string;
  }
}
