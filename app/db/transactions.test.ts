import net from "node:net";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createPersona, type Persona } from "../../tests/setup/personas";
import { PersonLookup, queryAsLogin, sql, withSystem, withUser } from "./client.server";
import { statementFor } from "./statements.server";

// withUser on pipelined connections (docs/decisions/012-request-pipeline.md): `begin` and the
// claims go out with the first statement, and with `statements: n` the commit with the n-th.

let carmen: Persona;
const zoneCount = async (name: string) =>
  Number((await withSystem((trx) => sql<{ n: string }>`select count(*) as n from public.zones where name = ${name}`.execute(trx))).rows[0]!.n);
const insertZone = (name: string) =>
  sql`insert into public.zones (name, colour, created_by, geometry) values (${name}, '#123456', auth.uid(), '{"type":"Polygon","coordinates":[[[-87.7,41.9],[-87.6,41.9],[-87.6,42.0],[-87.7,41.9]]]}'::jsonb)`;

beforeAll(async () => {
  carmen = await createPersona("tx_carmen", ["coordinator"]);
});

describe("withUser", () => {
  it("runs as the person through RLS, and commits", async () => {
    const me = await withUser(carmen.claims, async (trx) => {
      await insertZone("tx-committed").execute(trx);
      return (await sql<{ me: string; role: string }>`select auth.uid()::text as me, current_user as role`.execute(trx)).rows[0];
    });
    expect(me).toEqual({ me: carmen.id, role: "authenticated" });
    expect(await zoneCount("tx-committed")).toBe(1);
  });

  it("rolls back everything when a statement fails, and throws its error", async () => {
    await expect(
      withUser(carmen.claims, async (trx) => {
        await insertZone("tx-rolled-back").execute(trx);
        await sql`select 'no'::uuid`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: "22P02" });
    expect(await zoneCount("tx-rolled-back")).toBe(0);
  });

  it("refuses to report success when a failed statement was swallowed: the commit rolled back", async () => {
    await expect(
      withUser(carmen.claims, async (trx) => {
        await insertZone("tx-swallowed").execute(trx);
        await sql`select 'no'::uuid`.execute(trx).catch(() => null);
      }),
    ).rejects.toThrow(/rolled back/);
    expect(await zoneCount("tx-swallowed")).toBe(0);
  });

  it("with `statements`, commits right behind the last one", async () => {
    const rows = await withUser(
      carmen.claims,
      async (trx) => Promise.all([insertZone("tx-batch-1").execute(trx), insertZone("tx-batch-2").execute(trx)]),
      { statements: 2 },
    );
    expect(rows).toHaveLength(2);
    expect(await zoneCount("tx-batch-1")).toBe(1);
    expect(await zoneCount("tx-batch-2")).toBe(1);
  });

  it("with `statements`, a failure rolls back the batch and the connection is clean for the next one", async () => {
    await expect(
      withUser(carmen.claims, async (trx) => Promise.all([insertZone("tx-batch-bad").execute(trx), sql`select 'no'::uuid`.execute(trx)]), { statements: 2 }),
    ).rejects.toMatchObject({ code: "22P02" });
    expect(await zoneCount("tx-batch-bad")).toBe(0);
    // Every connection of the pool is reused cleanly: no transaction left open, none as the person.
    for (let i = 0; i < 12; i += 1) {
      const [row] = await queryAsLogin<{ role: string; claims: string | null; open: boolean }>(
        "select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims, now() <> statement_timestamp() as open",
      );
      expect(row).toEqual({ role: "testigo_app", claims: null, open: false });
    }
  });

  it("with `statements`, a statement beyond them is refused, never run outside the transaction", async () => {
    await expect(
      withUser(
        carmen.claims,
        async (trx) => {
          await insertZone("tx-one").execute(trx);
          await insertZone("tx-beyond").execute(trx);
        },
        { statements: 1 },
      ),
    ).rejects.toThrow(/transaction is over/);
    expect(await zoneCount("tx-one")).toBe(1);
    expect(await zoneCount("tx-beyond")).toBe(0);
  });
});

describe("nothing runs outside the transaction (review of the person lookup in writes)", () => {
  it("a first statement that cannot even be parsed leaves the transaction aborted, not missing: the statements behind it fail", async () => {
    let found: unknown = "not told";
    let inner: unknown;
    await expect(
      withUser(new PersonLookup<never>("select from (", (row) => (found = row)), async (trx) => {
        inner = await sql`select current_user as who`.execute(trx).then(
          (r) => r.rows[0],
          (error: { code?: string }) => error.code,
        );
      }),
    ).rejects.toMatchObject({ code: "42601" });
    // Had `begin` been in the failed message, `select current_user` would have run in autocommit as the login.
    expect(inner).toBe("25P02");
    expect(found).toBe("not told");
  });

  it("a statement `fn` left unawaited is refused once the commit is on its way, never run after it", async () => {
    let late: Promise<unknown> | undefined;
    await withUser(carmen.claims, async (trx) => {
      await sql`select 1 as one`.execute(trx);
      late = new Promise((resolve) => setImmediate(resolve)).then(() => insertZone("tx-late").execute(trx));
      late.catch(() => {});
    });
    await expect(late).rejects.toThrow(/transaction is over/);
    expect(await zoneCount("tx-late")).toBe(0);
  });
});

describe("the connection's writes", () => {
  it("a transaction's messages leave in one write, not one per protocol message", async () => {
    await withUser(carmen.claims, async (trx) => sql`select 1`.execute(trx)); // a connection, already open
    const single = vi.spyOn(net.Socket.prototype as unknown as { _write: () => void }, "_write");
    const many = vi.spyOn(net.Socket.prototype as unknown as { _writev: () => void }, "_writev");
    try {
      // begin and claims, one statement (parse, bind, describe, execute, sync), then the commit.
      await withUser(carmen.claims, async (trx) => sql`select ${"one"}::text as a`.execute(trx), { statements: 1 });
      // Without coalescing: a write per message, at least seven.
      expect(single.mock.calls.length + many.mock.calls.length).toBe(1);
    } finally {
      single.mockRestore();
      many.mockRestore();
    }
  });
});

describe("prepared statements (named after their second use)", () => {
  it("names Kysely's statements from their second use; never one with a * other than count(*)", () => {
    const text = `select 1 + $1 as n /* ${Math.random()} */`.replace("/*", "--").replace("*/", "");
    expect(statementFor(text, [1])).toEqual({ text, values: [1] });
    const second = statementFor(text, [2]) as { name?: string };
    expect(second.name).toMatch(/^k[\w-]{24}$/);
    expect((statementFor(text, [3]) as { name?: string }).name).toBe(second.name);
    // Kysely passes [] when there is nothing to bind: named too.
    const bare = `select count(*) from public.zones -- ${Math.random()}`;
    statementFor(bare, []);
    expect((statementFor(bare, []) as { name?: string }).name).toMatch(/^k/);
    for (const star of [
      `select * from public.zones where id = $1`,
      `select "p".*, 1 from public.profiles p where id = $1`,
      `select distinct * from public.zones where id = $1`,
      `update public.zones set name = $1 returning *`,
      `select "public"."zones" . * from public.zones where id = $1`,
    ]) {
      const unique = `${star} -- ${Math.random()}`;
      statementFor(unique, ["x"]);
      expect(statementFor(unique, ["x"])).toEqual({ text: unique, values: ["x"] });
    }
    expect(statementFor("begin", undefined)).toBe("begin");
  });

  it("one connection's generic plan, run for two people in turn, shows each only their own rows", async () => {
    const [ana, ben] = [await createPersona("prep_ana", ["observer"]), await createPersona("prep_ben", ["observer"])];
    for (const [person, n] of [[ana, 1], [ben, 2]] as const) {
      await withSystem((trx) =>
        trx
          .insertInto("push_subscriptions")
          .values({ person_id: person.id, endpoint: `https://push.example.test/${person.id}`, p256dh: "A".repeat(87), auth: "B".repeat(22), session_key: String(n).repeat(64) })
          .execute(),
      );
    }
    const mine = (trx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
      trx.selectFrom("push_subscriptions").select(["person_id", sql<number>`pg_backend_pid()`.as("pid")]).where("endpoint", "like", "https://push.example.test/%");
    const read = (person: Persona) =>
      withUser(person.claims, async (trx) => {
        // The one plan made for any person's values, so both certainly run the same plan.
        await sql`select set_config('plan_cache_mode', 'force_generic_plan', true)`.execute(trx);
        const rows = await mine(trx).execute();
        const text = mine(trx).compile().sql;
        const [plans] = (
          await sql<{ generic: number; custom: number }>`select coalesce(sum(generic_plans), 0)::int as generic, coalesce(sum(custom_plans), 0)::int as custom
            from pg_prepared_statements where statement = ${text}`.execute(trx)
        ).rows;
        return { people: rows.map((r) => r.person_id), pid: rows[0]?.pid, plans: plans! };
      });
    const seen = new Map<number, { people: Set<string>; generic: number }>();
    for (let i = 0; i < 16; i++) {
      const person = i % 2 ? ben : ana;
      const got = await read(person);
      expect(got.people).toEqual([person.id]);
      const entry = seen.get(got.pid!) ?? { people: new Set<string>(), generic: 0 };
      entry.people.add(person.id);
      entry.generic = got.plans.generic;
      seen.set(got.pid!, entry);
    }
    // A connection (the pool hands back the one released last) ran it for both, from its generic plan.
    expect([...seen.values()].some((c) => c.people.size === 2 && c.generic >= 2)).toBe(true);
  });

  it("a connection whose prepared statement no longer fits the table is closed, not handed on", async () => {
    const table = `prep_stale_${Math.random().toString(36).slice(2, 8)}`;
    await withSystem((trx) => sql.raw(`create table public.${table} (x int); insert into public.${table} values (1); grant select on public.${table} to authenticated`).execute(trx));
    const read = () =>
      withUser(carmen.claims, async (trx) => (await sql<{ x: number; pid: number }>`select x, pg_backend_pid() as pid from ${sql.table(`public.${table}`)} where x > ${0}`.execute(trx)).rows[0]!);
    for (let i = 0; i < 6; i++) await read();
    await withSystem((trx) => sql.raw(`alter table public.${table} alter column x type bigint`).execute(trx));
    let failedOn: number | undefined;
    for (let i = 0; i < 12 && failedOn === undefined; i++) {
      const pid = (await withUser(carmen.claims, async (trx) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid));
      await read().catch((error: { code?: string }) => {
        expect(error.code).toBe("0A000");
        failedOn = pid;
      });
    }
    expect(failedOn).toBeDefined();
    const open = async () =>
      Number((await withSystem((trx) => sql<{ n: string }>`select count(*) as n from pg_stat_activity where pid = ${failedOn!}`.execute(trx))).rows[0]!.n);
    await expect.poll(open).toBe(0);
    expect(Number((await read()).x)).toBe(1);
    await withSystem((trx) => sql.raw(`drop table public.${table}`).execute(trx));
  });
});
