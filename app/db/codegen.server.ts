import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const TYPES_FILE = path.resolve(process.cwd(), "app/db/types.ts");

function args(url: string) {
  return [
    "kysely-codegen",
    "--dialect",
    "postgres",
    "--url",
    url,
    "--default-schema",
    "public",
    "--include-pattern",
    "{public,private,auth}.*",
    "--date-parser",
    "string",
    "--log-level",
    "error",
  ];
}

/** Writes the Kysely types of the migrated schema to app/db/types.ts. */
export async function generateTypes(url: string) {
  await run("npx", [...args(url), "--out-file", TYPES_FILE]);
}

/** The types kysely-codegen would write for this database, as text. */
export async function printTypes(url: string) {
  const { stdout } = await run("npx", [...args(url), "--print"], { maxBuffer: 10 * 1024 * 1024 });
  return stdout;
}
