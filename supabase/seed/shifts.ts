import { sql } from "kysely";
import type { SeedStep } from "./step";

/**
 * Two weeks of shifts from today in the organisation's time zone: early mornings (when most
 * enforcement happens) in the priority zones and evenings in some others, with a few claims so
 * every screen has something to show. Runs only while there are no shifts at all.
 */
export const shifts: SeedStep = {
  name: "shifts",
  async run(trx) {
    const any = await trx.selectFrom("shifts").select("id").limit(1).executeTakeFirst();
    if (any) return;
    await sql`
      with tz as (select time_zone as name from public.org_settings),
      plan (zone_name, start_time, hours, capacity, languages, team_lead) as (
        values
          ('Little Village', time '06:00', 4, 4, array['es'], true),
          ('Little Village', time '17:00', 4, 3, array['es'], false),
          ('Pilsen', time '06:00', 4, 3, array['es'], false),
          ('Back of the Yards', time '06:30', 3, 2, array[]::text[], false),
          ('Brighton Park', time '06:00', 4, 2, array['es'], false),
          ('Albany Park', time '17:30', 3, 2, array[]::text[], false)
      )
      insert into public.shifts (zone_id, starts_at, ends_at, capacity, needs_languages, needs_team_lead, notes)
      select z.id, t.starts_at, t.starts_at + make_interval(hours => p.hours), p.capacity, p.languages, p.team_lead,
             case when p.start_time < time '12:00' then 'Bring a charged phone and water. Meet your partner 10 minutes early.' else '' end
      from plan p
      join public.zones z on z.name = p.zone_name and z.retired_at is null
      cross join tz
      cross join generate_series(0, 13) as d(n)
      cross join lateral (select ((current_date + d.n + p.start_time) at time zone tz.name) as starts_at) t
      where t.starts_at > now()
        -- evenings on weekdays only
        and (p.start_time < time '12:00' or extract(isodow from current_date + d.n) between 1 and 5)`.execute(trx);

    // A few claims by the demo observers (straight in as the owner; the triggers keep the counts).
    await sql`
      insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
      select s.id, p.id, 'claimed', now(), tstzrange(s.starts_at, s.ends_at, '[)')
      from (values ('observer@example.org', 'Little Village', 1), ('observer2@example.org', 'Pilsen', 2), ('observer2@example.org', 'Back of the Yards', 3)) as c(email, zone_name, nth)
      join public.profiles p on p.email = c.email
      join lateral (
        select s.* from public.shifts s join public.zones z on z.id = s.zone_id
        where z.name = c.zone_name and s.starts_at > now() + interval '12 hours'
        order by s.starts_at offset c.nth - 1 limit 1
      ) s on true
      on conflict do nothing`.execute(trx);
  },
};
