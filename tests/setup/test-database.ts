import pg from "pg";

/** TEST_DB_PREFIX keeps parallel runs on one server apart (e.g. two suites on PostgreSQL 15). */
export const TEST_DB_PREFIX = (process.env.TEST_DB_PREFIX ?? "").replace(/[^a-z0-9_]/g, "");
export const TEMPLATE_DB = `${TEST_DB_PREFIX}testigo_template`;

/** The URL of `database` on the same server as `serverUrl`. */
export function urlFor(serverUrl: string, database: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(serverUrl: string, sqlText: string) {
  const client = new pg.Client({ connectionString: urlFor(serverUrl, "postgres") });
  await client.connect();
  try {
    return await client.query(sqlText);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(serverUrl: string, name: string, template?: string) {
  await adminQuery(serverUrl, `drop database if exists "${name}" with (force)`);
  await adminQuery(serverUrl, `create database "${name}"${template ? ` template "${template}"` : ""}`);
}
