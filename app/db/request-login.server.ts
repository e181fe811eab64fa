import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The role the requests' pools log in as (docs/decisions/017-request-login.md): made by
 * supabase/migrations/20261207040000_request_login.sql, no superuser, no BYPASSRLS, owns
 * nothing, may `set role authenticated` and run the two sign-in lookups. The owner's URL
 * (DATABASE_URL, or the embedded server's) serves migrations and withSystem only.
 */
export const REQUEST_LOGIN = "testigo_app";

/**
 * The login's URL, derived from the owner's: same server, database and options, the login's name
 * and a password that is an HMAC of the owner's. Every instance and script that knows the owner's
 * URL derives the same one, so nothing more is stored; knowing it tells nothing of the owner's.
 * A user name such as `postgres.<project>` (a pooler's, like Supabase's) keeps its suffix.
 */
export function derivedRequestLoginUrl(ownerUrl: string): string | null {
  const url = new URL(ownerUrl);
  const ownerPassword = decodeURIComponent(url.password);
  if (!ownerPassword) return null;
  const dot = decodeURIComponent(url.username).indexOf(".");
  const suffix = dot === -1 ? "" : decodeURIComponent(url.username).slice(dot);
  url.username = encodeURIComponent(`${REQUEST_LOGIN}${suffix}`);
  url.password = createHmac("sha256", ownerPassword).update(`${REQUEST_LOGIN} request login`).digest("base64url");
  return url.toString();
}

/**
 * PostgreSQL's SCRAM-SHA-256 secret for `password` (RFC 5803, as psql's \password makes it), so
 * that ALTER ROLE carries no password a statement log could keep.
 */
export function scramSecret(password: string): string {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const storedKey = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

async function connects(url: string): Promise<{ ok: true } | { ok: false; code?: string; message: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return { ok: true };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { ok: false, code, message: message ?? String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Makes sure the login derived from the owner's URL can connect: when its password does not
 * match yet (a new server, an owner's password changed), the owner sets it. Returns the login's
 * URL, or why there is none (never a secret).
 */
export async function ensureRequestLogin(ownerUrl: string): Promise<{ url: string } | { reason: string }> {
  const url = derivedRequestLoginUrl(ownerUrl);
  if (!url) return { reason: "the owner's URL has no password to derive the login's from" };
  const first = await connects(url);
  if (first.ok) return { url };
  // 28P01: wrong password, or no such role (PostgreSQL does not say which).
  if (first.code !== "28P01") return { reason: `${REQUEST_LOGIN} could not connect: ${first.message}` };
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const { rows } = await owner.query<{ found: boolean }>("select exists (select from pg_roles where rolname = $1) as found", [REQUEST_LOGIN]);
    if (!rows[0]?.found) return { reason: `the role ${REQUEST_LOGIN} does not exist (its migration could not create it)` };
    const password = decodeURIComponent(new URL(url).password);
    await owner.query(`alter role ${REQUEST_LOGIN} password ${owner.escapeLiteral(scramSecret(password))}`);
  } catch (error) {
    return { reason: `the owner could not set the password of ${REQUEST_LOGIN}: ${(error as Error).message}` };
  } finally {
    await owner.end().catch(() => {});
  }
  const second = await connects(url);
  return second.ok ? { url } : { reason: `${REQUEST_LOGIN} could not connect: ${second.message}` };
}

export interface LoginReview {
  role: string;
  /** The database it connects to: the owner's, or the two URLs disagree. */
  database: string;
  superuser: boolean;
  /** What makes the role more than a request needs; empty for a login like testigo_app. */
  problems: string[];
  /** Whether it may `set role authenticated`: without it no request can act as anyone. */
  canActAsPerson: boolean;
}

/** What the role that `url` logs in as may do beyond a request's needs. */
export async function reviewLogin(url: string): Promise<LoginReview> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      role: string;
      database: string;
      superuser: boolean;
      bypassrls: boolean;
      escalations: string[];
      owns_tables: boolean;
      can_act: boolean;
    }>(`
      select r.rolname as role, current_database() as database, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
             array(select b.rolname::text from pg_roles b
                   where b.oid <> r.oid and (b.rolsuper or b.rolbypassrls) and pg_has_role(r.oid, b.oid, 'member')
                   order by b.rolname) as escalations,
             exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where n.nspname in ('public', 'private', 'auth') and pg_has_role(r.oid, c.relowner, 'member')) as owns_tables,
             exists (select from pg_roles a where a.rolname = 'authenticated' and pg_has_role(r.oid, a.oid, 'member')) as can_act
      from pg_roles r where r.rolname = session_user`);
    const row = rows[0]!;
    const problems = [
      row.superuser ? "is a superuser" : null,
      row.bypassrls ? "bypasses row-level security (BYPASSRLS)" : null,
      row.escalations.length && !row.superuser ? `can become ${row.escalations.join(", ")} (bypassing row-level security)` : null,
      row.owns_tables && !row.superuser ? "owns the app's tables or can become their owner" : null,
    ].filter((p): p is string => p !== null);
    return { role: row.role, database: row.database, superuser: row.superuser, problems, canActAsPerson: row.can_act };
  } finally {
    await client.end().catch(() => {});
  }
}
