import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sql, withSystem } from "../../app/db/client.server";
import { env } from "../../app/utils/env.server";

/**
 * Every row of every table in every schema, as text, one entry per table: what pg_dump would
 * write. The unit-test twin of the privacy canary scan in tests/e2e/reports.spec.ts.
 */
export async function everyRowAsText(): Promise<Map<string, string>> {
  return withSystem(async (trx) => {
    const { rows: tables } = await sql<{ name: string }>`
      select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`.execute(trx);
    const dump = new Map<string, string>();
    for (const { name } of tables) {
      const { rows } = await sql<{ t: string | null }>`select string_agg(x::text, E'\n') as t from ${sql.raw(name)} x`.execute(trx);
      dump.set(name, rows[0]?.t ?? "");
    }
    return dump;
  });
}

/** Every file the file store (and anything else under DATA_DIR) holds: its path and its bytes. */
export function* everyStoredFile(dir = env().DATA_DIR): Generator<{ file: string; bytes: Buffer }> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* everyStoredFile(full);
    else yield { file: full, bytes: readFileSync(full) };
  }
}

/** A SHA-256 as anyone might store it: hex either case, base64, base64url. */
export function digestSpellings(hex: string): string[] {
  const raw = Buffer.from(hex, "hex");
  return [hex.toLowerCase(), hex.toUpperCase(), raw.toString("base64"), raw.toString("base64url")];
}
