import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { splitSqlStatements } from "./sql-split";

const ROOT = path.resolve(process.cwd(), "supabase");
const MIGRATION_NAME = /^(\d{14})_(.+)\.sql$/;
/** Arbitrary constant: one advisory lock so concurrently starting instances migrate one at a time. */
const MIGRATION_LOCK = 7_400_2026;

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    readonly statement: string,
    readonly line: number,
    readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Migration ${file} failed at line ${line}: ${reason}\nStatement:\n${statement}`);
    this.name = "MigrationError";
  }
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
  supabase: boolean;
  /** PostgreSQL's warnings while migrating: what a migration could not do and asks an administrator to. */
  warnings: string[];
}

function sqlFiles(dir: string) {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort();
}

async function runFile(client: pg.ClientBase, file: string, sql: string) {
  const statements = splitSqlStatements(sql);
  for (const statement of statements) {
    try {
      await client.query(statement.text);
    } catch (error) {
      throw new MigrationError(file, statement.text, statement.line, error);
    }
  }
  return statements.map((s) => s.text);
}

/** Supabase projects come with their own `auth` schema and roles; everything else gets ours. */
export async function isSupabase(client: pg.ClientBase) {
  const { rows } = await client.query<{ supabase: boolean }>(
    "select exists (select from pg_roles where rolname = 'supabase_admin') as supabase",
  );
  return rows[0]?.supabase ?? false;
}

export async function migrate(connectionString: string, dir = ROOT): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString });
  const result: MigrationResult = { applied: [], skipped: [], supabase: false, warnings: [] };
  client.on("notice", (notice) => {
    if (notice.severity === "WARNING") result.warnings.push(notice.message ?? "");
  });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    result.supabase = await isSupabase(client);
    if (!result.supabase) {
      const compatDir = path.join(dir, "compat");
      for (const file of sqlFiles(compatDir)) {
        await client.query("begin");
        try {
          await runFile(client, `compat/${file}`, readFileSync(path.join(compatDir, file), "utf8"));
          await client.query("commit");
        } catch (error) {
          await client.query("rollback");
          throw error;
        }
      }
    }
    await client.query(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key,
        statements text[],
        name text
      );
    `);
    const { rows } = await client.query<{ version: string }>(
      "select version from supabase_migrations.schema_migrations",
    );
    const done = new Set(rows.map((r) => r.version));
    const migrationsDir = path.join(dir, "migrations");
    for (const file of sqlFiles(migrationsDir)) {
      const match = MIGRATION_NAME.exec(file);
      if (!match) throw new Error(`Migration file ${file} is not named YYYYMMDDHHMMSS_name.sql`);
      const [, version, name] = match;
      if (done.has(version!)) {
        result.skipped.push(file);
        continue;
      }
      await client.query("begin");
      try {
        const statements = await runFile(client, `migrations/${file}`, readFileSync(path.join(migrationsDir, file), "utf8"));
        await client.query(
          "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
          [version, statements, name],
        );
        await client.query("commit");
        result.applied.push(file);
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    }
    return result;
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}
