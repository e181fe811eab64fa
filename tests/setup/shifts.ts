import { sql, withSystem } from "../../app/db/client.server";

let zoneCounter = 0;

/** A zone straight into the database (tests of shifts do not care how zones are drawn). */
export async function createTestZone(name = `Zone ${++zoneCounter}`) {
  const d = 0.01 * zoneCounter;
  const geometry = {
    type: "Polygon",
    coordinates: [[[-87.7 + d, 41.8], [-87.69 + d, 41.8], [-87.69 + d, 41.81], [-87.7 + d, 41.81], [-87.7 + d, 41.8]]],
  };
  const row = await withSystem((trx) =>
    trx
      .insertInto("zones")
      .values({ name, geometry: JSON.stringify(geometry) })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

/** A shift starting `startsInHours` from now (negative: already started). */
export async function createTestShift(zoneId: string, options: { startsInHours?: number; hours?: number; capacity?: number } = {}) {
  const { startsInHours = 24, hours = 4, capacity = 5 } = options;
  const row = await withSystem((trx) =>
    trx
      .insertInto("shifts")
      .values({
        zone_id: zoneId,
        starts_at: sql`now() + make_interval(secs => ${Math.round(startsInHours * 3600)})`,
        ends_at: sql`now() + make_interval(secs => ${Math.round((startsInHours + hours) * 3600)})`,
        capacity,
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

/** The invariants every shift must satisfy, checked from the rows themselves. Returns offending shift ids. */
export async function brokenShiftInvariants() {
  const { rows } = await withSystem((trx) =>
    sql<{ id: string }>`
      select s.id
      from public.shifts s
      left join lateral (
        select count(*) filter (where a.status in ('claimed', 'checked_in', 'checked_out')) as claimed,
               count(*) filter (where a.status = 'waitlisted') as waitlisted
        from public.shift_assignments a where a.shift_id = s.id
      ) c on true
      where c.claimed > s.capacity
         or c.claimed <> s.claimed_count
         or c.waitlisted <> s.waitlist_count
         -- a free spot with someone active still waiting is a broken FIFO promise
         or (s.cancelled_at is null and s.ends_at > now() and c.claimed < s.capacity and exists (
               select 1 from public.shift_assignments w join public.profiles p on p.id = w.observer_id
               where w.shift_id = s.id and w.status = 'waitlisted' and p.deactivated_at is null))`.execute(trx),
  );
  return rows.map((r) => r.id);
}
