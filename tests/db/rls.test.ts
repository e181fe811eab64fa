import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Claims } from "../../app/db/client.server";
import { createCast, type Persona } from "../setup/personas";

let cast: Awaited<ReturnType<typeof createCast>>;

beforeAll(async () => {
  cast = await createCast();
});

const as = withUser;
const visibleProfiles = (claims: Claims) =>
  as(claims, (trx) => trx.selectFrom("profiles").select("email").orderBy("email").execute()).then((rows) => rows.map((r) => r.email));
const denied = { code: "42501" };

async function deactivate(persona: Persona) {
  await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", persona.id).execute());
}

describe("every exposed table", () => {
  it("has RLS enabled, and anon holds no privilege on any of them", async () => {
    const rows = await withSystem((trx) =>
      sql<{ table: string; rls: boolean; anon: boolean }>`
        select c.oid::regclass::text as table,
               -- a view cannot have RLS: it must be a security barrier that filters by role itself
               case when c.relkind = 'v' then coalesce('security_barrier=true' = any (c.reloptions), false) else c.relrowsecurity end as rls,
               has_table_privilege('anon', c.oid, 'select,insert,update,delete,truncate,references,trigger') as anon
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
      `.execute(trx),
    );
    expect(rows.rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.rows.filter((r) => !r.rls)).toEqual([]);
    expect(rows.rows.filter((r) => r.anon)).toEqual([]);
  });

  it("keeps every private table (sessions, codes, rate limits, peppers, the sealing policy, jobs, …) out of reach of authenticated and anon", async () => {
    const { rows } = await withSystem((trx) =>
      sql<{ name: string; authenticated: boolean; anon: boolean }>`
        select format('%I.%I', n.nspname, c.relname) as name,
               has_table_privilege('authenticated', c.oid, 'select,insert,update,delete,truncate,references,trigger') as authenticated,
               has_table_privilege('anon', c.oid, 'select,insert,update,delete,truncate,references,trigger') as anon
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'private' and c.relkind in ('r', 'p', 'v', 'm')
        order by 1`.execute(trx),
    );
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(["private.sessions", "private.login_codes", "private.rate_limits", "private.counter_peppers", "private.sealing_policy", "private.jobs"]));
    expect(rows.filter((r) => r.authenticated || r.anon)).toEqual([]);
    for (const { name } of rows) {
      await expect(as(cast.admin_alma.claims, (trx) => sql`select * from ${sql.raw(name)}`.execute(trx)), name).rejects.toMatchObject(denied);
    }
  });

  it("keeps security-definer helpers in an unexposed schema with an empty search_path", async () => {
    const rows = await withSystem((trx) =>
      sql<{ name: string; schema: string; config: string[] | null }>`
        select p.proname as name, n.nspname as schema, p.proconfig as config
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname in ('public', 'private')
      `.execute(trx),
    );
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const fn of rows.rows) {
      expect(fn.schema).toBe("private");
      expect(fn.config).toContain('search_path=""');
    }
  });
});

describe("profiles", () => {
  it("an observer reads only their own profile", async () => {
    expect(await visibleProfiles(cast.observer_ana.claims)).toEqual([cast.observer_ana.email]);
  });

  it("an attorney reads only their own profile", async () => {
    expect(await visibleProfiles(cast.attorney_luis.claims)).toEqual([cast.attorney_luis.email]);
  });

  it("coordinators and admins read everyone", async () => {
    expect(await visibleProfiles(cast.coordinator_carmen.claims)).toHaveLength(5);
    expect(await visibleProfiles(cast.admin_alma.claims)).toHaveLength(5);
  });

  it("an observer edits their own name and language, not someone else's", async () => {
    const own = await as(cast.observer_ana.claims, (trx) =>
      trx.updateTable("profiles").set({ display_name: "Ana R." }).where("id", "=", cast.observer_ana.id).executeTakeFirst(),
    );
    expect(own.numUpdatedRows).toBe(1n);
    const other = await as(cast.observer_ana.claims, (trx) =>
      trx.updateTable("profiles").set({ display_name: "hacked" }).where("id", "=", cast.observer_oscar.id).executeTakeFirst(),
    );
    expect(other.numUpdatedRows).toBe(0n);
  });

  it("an observer cannot record their own training or deactivate anyone", async () => {
    await expect(
      as(cast.observer_oscar.claims, (trx) =>
        trx.updateTable("profiles").set({ training_date: "2026-11-01" }).where("id", "=", cast.observer_oscar.id).execute(),
      ),
    ).rejects.toMatchObject(denied);
    await expect(
      as(cast.observer_oscar.claims, (trx) =>
        trx.updateTable("profiles").set({ deactivated_at: new Date() }).where("id", "=", cast.observer_oscar.id).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });

  it("a coordinator records training; only an admin deactivates", async () => {
    const trained = await as(cast.coordinator_carmen.claims, (trx) =>
      trx.updateTable("profiles").set({ training_date: "2026-11-20" }).where("id", "=", cast.observer_oscar.id).executeTakeFirst(),
    );
    expect(trained.numUpdatedRows).toBe(1n);
    await expect(
      as(cast.coordinator_carmen.claims, (trx) =>
        trx.updateTable("profiles").set({ deactivated_at: new Date() }).where("id", "=", cast.observer_oscar.id).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });

  it("a coordinator cannot change anyone's details, nor record their own training", async () => {
    for (const change of [{ display_name: "x" }, { phone: "+1 555 0000" }, { languages: ["fr"] }, { preferred_language: "es" }]) {
      await expect(
        as(cast.coordinator_carmen.claims, (trx) => trx.updateTable("profiles").set(change).where("id", "=", cast.observer_ana.id).execute()),
      ).rejects.toMatchObject(denied);
    }
    await expect(
      as(cast.coordinator_carmen.claims, (trx) =>
        trx.updateTable("profiles").set({ training_date: "2026-11-01" }).where("id", "=", cast.coordinator_carmen.id).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });

  it("an admin corrects someone's details", async () => {
    const updated = await as(cast.admin_alma.claims, (trx) =>
      trx.updateTable("profiles").set({ phone: "+1 312 555 0101" }).where("id", "=", cast.observer_ana.id).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(1n);
  });

  it("nobody inserts or deletes profiles directly, and email is not writable", async () => {
    await expect(
      as(cast.admin_alma.claims, (trx) => trx.deleteFrom("profiles").where("id", "=", cast.observer_oscar.id).execute()),
    ).rejects.toMatchObject(denied);
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx.updateTable("profiles").set({ email: "x@y.z" }).where("id", "=", cast.observer_oscar.id).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });
});

describe("role_grants", () => {
  it("an observer sees only their own grants and cannot grant themselves a role", async () => {
    const rows = await as(cast.observer_ana.claims, (trx) => trx.selectFrom("role_grants").select("user_id").execute());
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([cast.observer_ana.id]));
    await expect(
      as(cast.observer_ana.claims, (trx) =>
        trx.insertInto("role_grants").values({ user_id: cast.observer_ana.id, role: "attorney" }).execute(),
      ),
    ).rejects.toMatchObject(denied);
  });

  it("a coordinator reads all grants but cannot change them", async () => {
    const rows = await as(cast.coordinator_carmen.claims, (trx) => trx.selectFrom("role_grants").select("user_id").execute());
    expect(rows.length).toBe(5);
    await expect(
      as(cast.coordinator_carmen.claims, (trx) =>
        trx.insertInto("role_grants").values({ user_id: cast.coordinator_carmen.id, role: "admin" }).execute(),
      ),
    ).rejects.toMatchObject(denied);
    const removed = await as(cast.coordinator_carmen.claims, (trx) =>
      trx.deleteFrom("role_grants").where("user_id", "=", cast.observer_ana.id).executeTakeFirst(),
    );
    expect(removed.numDeletedRows).toBe(0n);
  });

  it("an admin grants and removes roles, in their own name only", async () => {
    await as(cast.admin_alma.claims, (trx) =>
      trx.insertInto("role_grants").values({ user_id: cast.attorney_luis.id, role: "coordinator", granted_by: cast.admin_alma.id }).execute(),
    );
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx.insertInto("role_grants").values({ user_id: cast.attorney_luis.id, role: "admin", granted_by: cast.coordinator_carmen.id }).execute(),
      ),
    ).rejects.toMatchObject(denied);
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx
          .insertInto("role_grants")
          .values({ user_id: cast.attorney_luis.id, role: "admin", granted_by: cast.admin_alma.id, granted_at: new Date("2020-01-01") })
          .execute(),
      ),
    ).rejects.toMatchObject(denied);
    const removed = await as(cast.admin_alma.claims, (trx) =>
      trx.deleteFrom("role_grants").where("user_id", "=", cast.attorney_luis.id).where("role", "=", "coordinator").executeTakeFirst(),
    );
    expect(removed.numDeletedRows).toBe(1n);
  });
});

describe("invitations", () => {
  const invite = (claims: Claims, email: string, roles: string) =>
    as(claims, (trx) =>
      trx
        .insertInto("invitations")
        .values({ email, roles: sql`${roles}::public.app_role[]`, invited_by: claims.sub })
        .execute(),
    );

  it("observers and attorneys neither read nor create invitations", async () => {
    await expect(invite(cast.observer_ana.claims, "friend@test.example", "{observer}")).rejects.toMatchObject(denied);
    await expect(invite(cast.attorney_luis.claims, "clerk@test.example", "{observer}")).rejects.toMatchObject(denied);
    const seen = await as(cast.observer_ana.claims, (trx) => trx.selectFrom("invitations").select("id").execute());
    expect(seen).toEqual([]);
  });

  it("a coordinator invites observers only", async () => {
    await invite(cast.coordinator_carmen.claims, "new-observer@test.example", "{observer}");
    await expect(invite(cast.coordinator_carmen.claims, "new-admin@test.example", "{observer,admin}")).rejects.toMatchObject(denied);
    const seen = await as(cast.coordinator_carmen.claims, (trx) => trx.selectFrom("invitations").select("email").execute());
    expect(seen.map((r) => r.email)).toContain("new-observer@test.example");
  });

  it("an inviter cannot forge acceptance or the invitation's date", async () => {
    for (const forged of [{ accepted_at: new Date() }, { created_at: new Date("2999-01-01") }]) {
      await expect(
        as(cast.admin_alma.claims, (trx) =>
          trx
            .insertInto("invitations")
            .values({ email: "forged@test.example", roles: sql`'{observer}'::public.app_role[]`, invited_by: cast.admin_alma.id, ...forged })
            .execute(),
        ),
      ).rejects.toMatchObject(denied);
    }
  });

  it("an account nobody invited is created deactivated, with no role", async () => {
    const row = await withSystem(async (trx) => {
      const user = await trx.insertInto("auth.users").values({ email: "uninvited@test.example" }).returning("id").executeTakeFirstOrThrow();
      return trx
        .selectFrom("profiles")
        .select(["deactivated_at", sql<number>`(select count(*) from public.role_grants g where g.user_id = profiles.id)::int`.as("roles")])
        .where("id", "=", user.id)
        .executeTakeFirstOrThrow();
    });
    expect(row.deactivated_at).not.toBeNull();
    expect(row.roles).toBe(0);
  });

  it("an admin invites with any role, but not in someone else's name", async () => {
    await invite(cast.admin_alma.claims, "new-attorney@test.example", "{attorney}");
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx
          .insertInto("invitations")
          .values({ email: "spoof@test.example", roles: sql`'{observer}'::public.app_role[]`, invited_by: cast.coordinator_carmen.id })
          .execute(),
      ),
    ).rejects.toMatchObject(denied);
  });
});

describe("invitations that are sent (issue 17)", () => {
  it("a coordinator's invitation carries phone, languages, training date and language into the profile", async () => {
    await as(cast.coordinator_carmen.claims, (trx) =>
      trx
        .insertInto("invitations")
        .values({
          email: "carried@test.example",
          roles: sql`'{observer}'::public.app_role[]`,
          invited_by: cast.coordinator_carmen.id,
          phone: "+1 312 555 0199",
          languages: ["es", "pt"],
          training_date: "2026-01-20",
          language: "es",
        })
        .execute(),
    );
    const profile = await withSystem(async (trx) => {
      await trx.insertInto("auth.users").values({ email: "carried@test.example" }).execute();
      return trx.selectFrom("profiles").select(["phone", "languages", "training_date", "preferred_language", "deactivated_at"]).where("email", "=", "carried@test.example").executeTakeFirstOrThrow();
    });
    expect(profile).toEqual({ phone: "+1 312 555 0199", languages: ["es", "pt"], training_date: "2026-01-20", preferred_language: "es", deactivated_at: null });
  });

  it("observers and attorneys cannot carry data on an invitation either", async () => {
    for (const persona of [cast.observer_ana, cast.attorney_luis]) {
      await expect(
        as(persona.claims, (trx) =>
          trx.insertInto("invitations").values({ email: "sneaky@test.example", roles: sql`'{observer}'::public.app_role[]`, invited_by: persona.id, phone: "1" }).execute(),
        ),
      ).rejects.toMatchObject(denied);
    }
  });

  it("Send again: coordinators and admins only; anon may not even call it", async () => {
    const [invitation] = await withSystem((trx) => trx.selectFrom("invitations").select("id").where("email", "=", "carried@test.example").execute());
    await withSystem((trx) => trx.updateTable("invitations").set({ accepted_at: null }).where("id", "=", invitation!.id).execute());
    for (const persona of [cast.observer_ana, cast.attorney_luis]) {
      await expect(as(persona.claims, (trx) => sql`select private.resend_invitation(${invitation!.id}::uuid)`.execute(trx))).rejects.toMatchObject({ code: "TS404" });
    }
    await as(cast.coordinator_carmen.claims, (trx) => sql`select private.resend_invitation(${invitation!.id}::uuid)`.execute(trx));
    await as(cast.admin_alma.claims, (trx) => sql`select private.resend_invitation(${invitation!.id}::uuid)`.execute(trx));
    const { rows } = await withSystem((trx) =>
      sql<{ anon: boolean; count: number }>`select has_function_privilege('anon', 'private.resend_invitation(uuid)', 'execute') as anon,
        (select sent_count from public.invitations where id = ${invitation!.id}::uuid) as count`.execute(trx),
    );
    expect(rows[0]).toEqual({ anon: false, count: 3 });
  });

  it("only an admin sets the organisation's invitation language", async () => {
    for (const persona of [cast.observer_ana, cast.coordinator_carmen, cast.attorney_luis]) {
      const updated = await as(persona.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "es" }).executeTakeFirst());
      expect(updated.numUpdatedRows).toBe(0n);
    }
    const updated = await as(cast.admin_alma.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "es" }).executeTakeFirst());
    expect(updated.numUpdatedRows).toBe(1n);
    await as(cast.admin_alma.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "en" }).execute());
  });
});

describe("org_settings", () => {
  it("every active member reads the settings; only an admin changes them", async () => {
    for (const persona of [cast.observer_ana, cast.attorney_luis, cast.coordinator_carmen]) {
      const rows = await as(persona.claims, (trx) => trx.selectFrom("org_settings").select("time_zone").execute());
      expect(rows).toEqual([{ time_zone: "America/Chicago" }]);
      const updated = await as(persona.claims, (trx) => trx.updateTable("org_settings").set({ name: "Hijacked" }).executeTakeFirst());
      expect(updated.numUpdatedRows).toBe(0n);
    }
    const updated = await as(cast.admin_alma.claims, (trx) =>
      trx.updateTable("org_settings").set({ hotline_number: "(773) 555-0100" }).executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(1n);
  });

  it("rejects an unknown time zone", async () => {
    await expect(
      as(cast.admin_alma.claims, (trx) => trx.updateTable("org_settings").set({ time_zone: "Mars/Olympus" }).execute()),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

describe("a deactivated person", () => {
  it("loses every role-based right at once", async () => {
    const former = await (await import("../setup/personas")).createPersona("former_admin", ["admin", "coordinator"]);
    expect(await visibleProfiles(former.claims)).toEqual(await visibleProfiles(cast.admin_alma.claims));
    await deactivate(former);
    expect(await visibleProfiles(former.claims)).toEqual([former.email]);
    const settings = await as(former.claims, (trx) => trx.selectFrom("org_settings").select("name").execute());
    expect(settings).toEqual([]);
    const updated = await as(former.claims, (trx) => trx.updateTable("org_settings").set({ name: "Mine" }).executeTakeFirst());
    expect(updated.numUpdatedRows).toBe(0n);
  });
});

describe("the last active admin", () => {
  it("cannot be removed or deactivated, even through the API", async () => {
    // admin_alma is the only active admin left once former_admin is deactivated above.
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx.deleteFrom("role_grants").where("user_id", "=", cast.admin_alma.id).where("role", "=", "admin").execute(),
      ),
    ).rejects.toMatchObject({ code: "23514" });
    await expect(
      as(cast.admin_alma.claims, (trx) =>
        trx.updateTable("profiles").set({ deactivated_at: new Date() }).where("id", "=", cast.admin_alma.id).execute(),
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

describe("without claims", () => {
  it("an authenticated connection with no person sees nothing", async () => {
    const nobody = { sub: "00000000-0000-0000-0000-000000000000", role: "authenticated" } as const;
    expect(await visibleProfiles(nobody)).toEqual([]);
    expect(await as(nobody, (trx) => trx.selectFrom("org_settings").selectAll().execute())).toEqual([]);
  });
});
