import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { embeddedUrl, startEmbeddedPostgres } from "./embedded.server";
import { migrate } from "./migrate.server";
import { seedIfEmpty, seedDemoData } from "../../supabase/seed/index";

export interface RunningDatabase {
  url: string;
  embedded: boolean;
  stop: () => Promise<void>;
}

export function dataDir() {
  return path.resolve(process.cwd(), process.env.DATA_DIR ?? ".data");
}

interface StartOptions {
  migrate: boolean;
  /** "auto": only into an empty database and never in production; "force": always. */
  seed: false | "auto" | "force";
  /** Only report where the database is; do not start it. */
  reuseOnly?: boolean;
  log?: (line: string) => void;
}

/**
 * Resolves the database in use (DATABASE_URL, else the embedded PostgreSQL in .data/postgres),
 * applies migrations and seeds demo data as asked, and sets DATABASE_URL for the app's pool.
 */
export async function startDatabase(options: StartOptions): Promise<RunningDatabase> {
  const log = options.log ?? (() => {});
  let running: RunningDatabase;
  if (process.env.DATABASE_URL) {
    running = { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  } else if (options.reuseOnly) {
    const credsFile = path.join(dataDir(), "postgres.json");
    if (!existsSync(credsFile)) throw new Error("No embedded database yet: run `npm run dev` first.");
    const url = embeddedUrl(JSON.parse(readFileSync(credsFile, "utf8")));
    return { url, embedded: true, stop: async () => {} };
  } else {
    const handle = await startEmbeddedPostgres(dataDir(), {
      log: process.env.DEBUG_POSTGRES ? log : undefined,
    });
    running = { url: handle.url, embedded: true, stop: handle.stop };
    process.env.DATABASE_URL = handle.url;
  }
  try {
    if (options.migrate) {
      const result = await migrate(running.url);
      if (result.applied.length) log(`Applied migrations: ${result.applied.join(", ")}`);
    }
    if (options.seed === "force") {
      await seedDemoData(running.url);
      log("Seeded demo data.");
    } else if (options.seed === "auto" && process.env.NODE_ENV !== "production") {
      if (await seedIfEmpty(running.url)) log("Seeded demo data into the empty database.");
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}
