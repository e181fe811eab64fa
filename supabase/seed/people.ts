import { sql } from "kysely";
import type { SeedStep } from "./step";

export const DEMO_PEOPLE = [
  { email: "admin@example.org", name: "Alma Admin", roles: ["admin"], languages: ["en", "es"] },
  { email: "coordinator@example.org", name: "Carmen Coordinadora", roles: ["coordinator"], languages: ["en", "es"] },
  { email: "observer@example.org", name: "Oscar Observador", roles: ["observer"], languages: ["es", "en"] },
  { email: "observer2@example.org", name: "Olivia Observer", roles: ["observer"], languages: ["en"] },
  { email: "attorney@example.org", name: "Luis Abogado", roles: ["attorney"], languages: ["en", "es"] },
  { email: "hotline@example.org", name: "Hilda Línea", roles: ["hotline"], languages: ["en", "es"] },
] as const;

/** The demo accounts, one or two per role, created the way an invitation creates them. Idempotent. */
export const people: SeedStep = {
  name: "people",
  async run(trx) {
    for (const person of DEMO_PEOPLE) {
      const existing = await trx.selectFrom("auth.users").select("id").where("email", "=", person.email).executeTakeFirst();
      if (existing) continue;
      await trx
        .insertInto("invitations")
        .values({ email: person.email, display_name: person.name, roles: sql`${`{${person.roles.join(",")}}`}::public.app_role[]` })
        .execute();
      // Demo accounts are ready to use: no invitation email goes to them.
      await trx.deleteFrom("private.jobs").where("kind", "=", "invitation").where(sql<boolean>`payload ->> 'invitation_id' in (select i.id::text from public.invitations i where i.email = ${person.email})`).execute();
      const user = await trx
        .insertInto("auth.users")
        .values({ email: person.email, email_confirmed_at: sql`now()` })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("profiles")
        .set({
          languages: [...person.languages],
          preferred_language: person.languages[0],
          training_date: person.roles.includes("observer" as never) ? sql`current_date - 30` : null,
        })
        .where("id", "=", user.id)
        .execute();
    }
  },
};

export const settings: SeedStep = {
  name: "settings",
  async run(trx) {
    await trx
      .updateTable("org_settings")
      .set({
        name: "Chicago Rapid Response (demo)",
        hotline_number: "(312) 555-0199",
        // OpenStreetMap's own tile server: fine for a demo, but it sees every viewer's IP address.
        // Production should self-host tiles (see README).
        map_tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        map_attribution: "© OpenStreetMap contributors",
      })
      .execute();
  },
};
