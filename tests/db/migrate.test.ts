import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { migrate, MigrationError } from "../../app/db/migrate.server";
import { splitSqlStatements } from "../../app/db/sql-split";
import { recreateDatabase, urlFor } from "../setup/test-database";

const serverUrl = inject("testServerUrl");

async function query<T extends pg.QueryResultRow>(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("splitSqlStatements", () => {
  it("splits on top-level semicolons only", () => {
    const sql = `-- a comment; with a semicolon
create table a (x text default 'a;b');
create function f() returns int language sql as $$ select 1; $$;
/* block; comment */ select "odd;name" from a;
`;
    const statements = splitSqlStatements(sql);
    expect(statements.map((s) => s.line)).toEqual([2, 3, 4]);
    expect(statements[1]!.text).toContain("$$ select 1; $$");
    expect(statements[2]!.text).toContain('"odd;name"');
  });

  it("handles tagged dollar quotes and doubled quotes", () => {
    const statements = splitSqlStatements("do $body$ begin perform 1; end $body$; select 'it''s; fine';");
    expect(statements).toHaveLength(2);
  });

  it("handles tags with digits, escape strings and positional parameters", () => {
    const sql = "create function f1() returns text language sql as $fn1$ select 'a;b'; $fn1$;\n" +
      "select E'it\\'s; still one';\n" +
      "prepare p as select $1::int;\n" +
      "select 'line' ; -- trailing; comment\n";
    const statements = splitSqlStatements(sql);
    expect(statements.map((s) => s.line)).toEqual([1, 2, 3, 4]);
    expect(statements[1]!.text).toBe("select E'it\\'s; still one'");
  });
});

describe("migrate", () => {
  it("applies every migration once, records them like the Supabase CLI, and is idempotent", async () => {
    const url = urlFor(serverUrl, `testigo_mig_${process.env.VITEST_POOL_ID}`);
    await recreateDatabase(serverUrl, new URL(url).pathname.slice(1));
    const first = await migrate(url);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(first.applied);
    const rows = await query<{ version: string; name: string; n: number }>(
      url,
      "select version, name, cardinality(statements) as n from supabase_migrations.schema_migrations order by version",
    );
    expect(rows.map((r) => `${r.version}_${r.name}.sql`)).toEqual(first.applied);
    expect(rows.every((r) => r.n > 0)).toBe(true);
  });

  it("leaves the database as it was when a migration fails, and names the file and statement", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "testigo-migrations-"));
    cpSync(path.resolve("supabase/compat"), path.join(dir, "compat"), { recursive: true });
    cpSync(path.resolve("supabase/migrations"), path.join(dir, "migrations"), { recursive: true });
    writeFileSync(
      path.join(dir, "migrations", "29990101000000_broken.sql"),
      "create table public.half_done (id int);\n\ninsert into public.no_such_table values (1);\n",
    );
    const name = `testigo_mig_fail_${process.env.VITEST_POOL_ID}`;
    await recreateDatabase(serverUrl, name);
    const url = urlFor(serverUrl, name);

    const error = await migrate(url, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const failure = error as MigrationError;
    expect(failure.file).toBe("migrations/29990101000000_broken.sql");
    expect(failure.line).toBe(3);
    expect(failure.statement).toBe("insert into public.no_such_table values (1)");
    expect(failure.message).toMatch(/no_such_table/);

    const tables = await query<{ exists: boolean }>(url, "select to_regclass('public.half_done') is not null as exists");
    expect(tables[0]!.exists).toBe(false);
    const versions = await query<{ version: string }>(url, "select version from supabase_migrations.schema_migrations");
    expect(versions.map((v) => v.version)).not.toContain("29990101000000");
    // The migrations before the broken one are kept: each file is its own transaction.
    expect(versions.length).toBeGreaterThan(0);
  });

  it("reports what a migration warns of (a role it could not create or grant, docs/decisions/017-request-login.md)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "testigo-migrations-"));
    cpSync(path.resolve("supabase/compat"), path.join(dir, "compat"), { recursive: true });
    cpSync(path.resolve("supabase/migrations"), path.join(dir, "migrations"), { recursive: true });
    writeFileSync(path.join(dir, "migrations", "29990101000000_warns.sql"), "do $$ begin raise warning 'testigo: an administrator may run this'; end $$;\n");
    const name = `testigo_mig_warn_${process.env.VITEST_POOL_ID}`;
    await recreateDatabase(serverUrl, name);
    const result = await migrate(urlFor(serverUrl, name), dir);
    expect(result.warnings).toEqual(["testigo: an administrator may run this"]);
  });
});
