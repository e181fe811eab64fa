import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { DB } from "../../app/db/types";
import { people, settings } from "./people";
import { keys } from "./keys";
import { reports } from "./reports";
import { shifts } from "./shifts";
import type { SeedStep } from "./step";
import { zones } from "./zones";

export type { SeedStep } from "./step";

export const DEMO_SEEDS: SeedStep[] = [settings, people, zones, shifts, keys, reports];

async function withOwner<T>(url: string, fn: (db: Kysely<DB>) => Promise<T>) {
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export async function seedDemoData(url: string) {
  if (process.env.NODE_ENV === "production") throw new Error("Demo data is never seeded when NODE_ENV=production.");
  await withOwner(url, (db) =>
    db.transaction().execute(async (trx) => {
      for (const step of DEMO_SEEDS) await step.run(trx);
    }),
  );
}

/** Seeds only a database with nobody in it; returns whether it did. */
export async function seedIfEmpty(url: string) {
  return withOwner(url, (db) =>
    db.transaction().execute(async (trx) => {
      // Two instances starting together must not both seed.
      await sql`select pg_advisory_xact_lock(74002027)`.execute(trx);
      const { count } = await trx
        .selectFrom("auth.users")
        .select((eb) => eb.fn.countAll<string>().as("count"))
        .executeTakeFirstOrThrow();
      if (Number(count) > 0) return false;
      for (const step of DEMO_SEEDS) await step.run(trx);
      return true;
    }),
  );
}
