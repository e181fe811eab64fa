import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import type { DB } from "./types";

// timestamptz and date come back as strings we format ourselves; `date` must not shift by time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Database = Kysely<DB>;
export type Trx = Transaction<DB>;

/** What RLS sees as `request.jwt.claims`: the signed-in person, as Supabase would put it in a JWT. */
export interface Claims {
  sub: string;
  email?: string;
  role: "authenticated";
  [key: string]: unknown;
}

let db: Database | undefined;

function databaseUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the app through server.ts or scripts/db.ts");
  return url;
}

export function getDb(): Database {
  if (!db) {
    const pool = new pg.Pool({
      connectionString: databaseUrl(),
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    });
    // A dropped connection (database restart) must not crash the process; the pool replaces it.
    // The pool's own listener covers idle clients only: a connection that dies while checked out
    // (inside a transaction, between two statements) emits "error" on the client, and an "error"
    // with no listener ends the process. The query in flight still fails, and the pool drops the
    // dead client when it is released.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", () => {}));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return db;
}

export async function closeDb() {
  const current = db;
  db = undefined;
  await current?.destroy();
}

/**
 * Runs `fn` in one transaction as role `authenticated` with the person's claims set,
 * so that every statement inside is checked by RLS.
 */
export function withUser<T>(claims: Claims, fn: (trx: Trx) => Promise<T>): Promise<T> {
  return getDb()
    .transaction()
    .execute(async (trx) => {
      await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('role', 'authenticated', true)`.execute(
        trx,
      );
      return fn(trx);
    });
}

/** The owner connection, bypassing RLS: for migrations, seeding, sign-in bookkeeping and jobs only. */
export function withSystem<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
  return getDb().transaction().execute(fn);
}

export { sql };
