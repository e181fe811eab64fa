import { beforeAll, describe, expect, it } from "vitest";
import { createPersona, type Persona } from "../../tests/setup/personas";
import { sql, withSystem, withUser, type Trx } from "./client.server";

// Security review, finding 14: the requests' pool logs in as a role of its own that is no
// superuser, bypasses no RLS, owns nothing and cannot become the owner; only withSystem's small
// pool logs in as the owner (docs/decisions/017-request-login.md).

let ana: Persona;

beforeAll(async () => {
  ana = await createPersona("role_ana", ["observer"]);
});

/** The login role of the requests' pool: `session_user` is what the connection logged in as, whatever role it has set. */
const login = (trx: Trx) =>
  sql<{ name: string; superuser: boolean; bypassrls: boolean; createrole: boolean; createdb: boolean; inherit: boolean }>`
    select rolname as name, rolsuper as superuser, rolbypassrls as bypassrls, rolcreaterole as createrole,
           rolcreatedb as createdb, rolinherit as inherit
    from pg_roles where rolname = session_user`.execute(trx);

/** Runs `statement` in the request's transaction as the login role itself (no longer `authenticated`); its error code, or "ok". */
async function asLogin(statement: string): Promise<string> {
  return withUser(ana.claims, async (trx) => {
    await sql`savepoint probe`.execute(trx);
    await sql.raw("reset role").execute(trx);
    const outcome = await sql.raw(statement).execute(trx).then(
      () => "ok",
      (error: { code?: string }) => error.code ?? "error",
    );
    await sql`rollback to savepoint probe`.execute(trx);
    return outcome;
  });
}

describe("the requests' login role", () => {
  it("is no superuser, bypasses no RLS, creates no roles or databases, and inherits nothing", async () => {
    const { rows } = await withUser(ana.claims, login);
    expect(rows[0]).toEqual({ name: expect.any(String), superuser: false, bypassrls: false, createrole: false, createdb: false, inherit: false });
  });

  it("owns nothing in the database", async () => {
    const { rows } = await withUser(ana.claims, (trx) =>
      sql<{ owned: string }>`
        select (select count(*) from pg_class where relowner = r.oid)
             + (select count(*) from pg_proc where proowner = r.oid)
             + (select count(*) from pg_namespace where nspowner = r.oid)
             + (select count(*) from pg_type where typowner = r.oid)
             + (select count(*) from pg_database where datdba = r.oid) as owned
        from pg_roles r where r.rolname = session_user`.execute(trx),
    );
    expect(Number(rows[0]!.owned)).toBe(0);
  });

  it("can become `authenticated` only: not the owner of the tables, nor any role that bypasses RLS", async () => {
    const { rows } = await withUser(ana.claims, (trx) =>
      sql<{ rolname: string }>`
        select r.rolname from pg_roles r
        where r.rolname <> session_user and pg_has_role(session_user, r.oid, 'member')
        order by r.rolname`.execute(trx),
    );
    // and `anon`, which public pages read as (community alerts, docs/decisions/026-community-alerts.md)
    expect(rows.map((r) => r.rolname)).toEqual(["anon", "authenticated"]);
    const { rows: owners } = await withSystem((trx) =>
      sql<{ owner: string }>`select distinct pg_get_userbyid(relowner) as owner from pg_class where relnamespace in ('public'::regnamespace, 'private'::regnamespace)`.execute(trx),
    );
    expect(owners.length).toBeGreaterThan(0);
    for (const { owner } of owners) expect(await asLogin(`set local role "${owner}"`), owner).toBe("42501");
    expect(await asLogin("set local role service_role")).toBe("42501");
  });

  it("cannot read the private tables, nor the public ones, as itself", async () => {
    for (const table of ["private.sessions", "private.login_codes", "private.audit_head", "public.profiles", "public.reports", "auth.users"]) {
      expect(await asLogin(`select * from ${table} limit 1`), table).toBe("42501");
    }
  });

  it("runs the sign-in lookups (security definer, owned by the owner) and nothing else of the private schema", async () => {
    expect(await asLogin("select * from private.session_person(repeat('0', 64))")).toBe("ok");
    expect(await asLogin(`select * from private.active_person('${ana.id}')`)).toBe("ok");
    expect(await asLogin("select private.has_role('admin')")).toBe("42501");
    // As the person, the lookups are out of reach: only the login role may call them.
    const asPerson = await withUser(ana.claims, async (trx) => {
      await sql`savepoint probe`.execute(trx);
      const outcome = await sql`select * from private.session_person(repeat('0', 64))`.execute(trx).then(
        () => "ok",
        (error: { code?: string }) => error.code ?? "error",
      );
      await sql`rollback to savepoint probe`.execute(trx);
      return outcome;
    });
    expect(asPerson).toBe("42501");
  });

  it("may execute no function of the app's schemas that every role may not, but the two lookups, and holds no table privilege", async () => {
    // (A few private functions are still executable by PUBLIC: triggers, is_valid_time_zone,
    // is_coordinating; `authenticated` may run them all anyway.)
    const { rows } = await withSystem((trx) =>
      sql<{ fn: string }>`
        select n.nspname || '.' || p.proname as fn
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private', 'auth')
          and has_schema_privilege('testigo_app', n.oid, 'usage')
          and has_function_privilege('testigo_app', p.oid, 'execute')
          and not has_function_privilege('public', p.oid, 'execute')
        order by 1`.execute(trx),
    );
    expect(rows.map((r) => r.fn)).toEqual(["private.active_person", "private.session_person"]);
    const { rows: tables } = await withSystem((trx) =>
      sql<{ name: string }>`
        select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'private', 'auth') and c.relkind in ('r', 'v', 'm', 'p', 'S')
          and (has_table_privilege('testigo_app', c.oid, 'select, insert, update, delete, truncate, references, trigger')
               or (c.relkind = 'S' and has_sequence_privilege('testigo_app', c.oid, 'usage, select, update')))`.execute(trx),
    );
    expect(tables).toEqual([]);
  });
});

describe("withSystem", () => {
  it("still logs in as the owner: reads and writes the private tables", async () => {
    const result = await withSystem(async (trx) => {
      await sql`insert into private.sessions (token_hash, user_id, expires_at) values (repeat('a', 64), ${ana.id}, now() + interval '1 hour')`.execute(trx);
      const { rows } = await sql<{ n: string; me: string }>`select count(*) as n, session_user as me from private.sessions where token_hash = repeat('a', 64)`.execute(trx);
      return rows[0]!;
    });
    expect(Number(result.n)).toBe(1);
    const { rows } = await withUser(ana.claims, login);
    expect(result.me).not.toBe(rows[0]!.name);
  });
});
