import { sql } from "kysely";
import type { SeedStep } from "./step";

type Ring = [number, number][];
const closed = (ring: Ring): Ring => [...ring, ring[0]!];

/** Chicago neighbourhoods where rapid-response networks deploy, with plausible, simplified outlines. */
export const DEMO_ZONES: { name: string; colour: string; priority: number; notes: string; ring: Ring; meetingPoint?: [number, number]; meetingPointNote?: string }[] = [
  {
    name: "Little Village",
    colour: "#c2410c",
    priority: 1,
    notes: "26th Street corridor. Pairs meet at the arch.",
    ring: [[-87.7445, 41.8525], [-87.6955, 41.8525], [-87.6955, 41.8365], [-87.7045, 41.825], [-87.7445, 41.825]],
    meetingPoint: [-87.7049, 41.8446],
    meetingPointNote: "Little Village arch, 26th St & Albany Ave",
  },
  {
    name: "Pilsen",
    colour: "#b91c1c",
    priority: 1,
    notes: "18th Street and Cermak. Early mornings near the bus stops.",
    ring: [[-87.6865, 41.86], [-87.647, 41.86], [-87.647, 41.848], [-87.658, 41.843], [-87.6865, 41.847]],
  },
  {
    name: "Back of the Yards",
    colour: "#7c3aed",
    priority: 2,
    notes: "",
    ring: [[-87.6845, 41.8235], [-87.6455, 41.8235], [-87.6455, 41.7945], [-87.6845, 41.7945]],
  },
  {
    name: "Brighton Park",
    colour: "#0f766e",
    priority: 2,
    notes: "Archer Avenue businesses.",
    ring: [[-87.7155, 41.828], [-87.6845, 41.832], [-87.6845, 41.8035], [-87.7155, 41.8035]],
  },
  {
    name: "Albany Park",
    colour: "#1d4ed8",
    priority: 2,
    notes: "Lawrence Avenue.",
    ring: [[-87.728, 41.975], [-87.7135, 41.983], [-87.701, 41.983], [-87.701, 41.961], [-87.728, 41.961]],
  },
  {
    name: "Logan Square",
    colour: "#a16207",
    priority: 3,
    notes: "",
    ring: [[-87.7190, 41.932], [-87.687, 41.932], [-87.687, 41.911], [-87.705, 41.9105], [-87.719, 41.911]],
  },
  {
    name: "Belmont Cragin",
    colour: "#be185d",
    priority: 2,
    notes: "Grand Avenue and Belmont.",
    ring: [[-87.7855, 41.939], [-87.7465, 41.939], [-87.7465, 41.917], [-87.7855, 41.917]],
  },
];

/** Demo zones, and the Spanish-speaking demo observer's home zones. Idempotent. */
export const zones: SeedStep = {
  name: "zones",
  async run(trx) {
    const coordinator = await trx.selectFrom("profiles").select("id").where("email", "=", "coordinator@example.org").executeTakeFirst();
    for (const zone of DEMO_ZONES) {
      const exists = await trx.selectFrom("zones").select("id").where("name", "=", zone.name).executeTakeFirst();
      if (exists) continue;
      await trx
        .insertInto("zones")
        .values({
          name: zone.name,
          colour: zone.colour,
          priority: zone.priority,
          notes: zone.notes,
          geometry: JSON.stringify({ type: "Polygon", coordinates: [closed(zone.ring)] }),
          meeting_point: zone.meetingPoint ? JSON.stringify({ type: "Point", coordinates: zone.meetingPoint }) : null,
          meeting_point_note: zone.meetingPointNote ?? "",
          created_by: coordinator?.id ?? null,
        })
        .execute();
    }
    await sql`
      insert into public.zone_assignments (zone_id, observer_id, assigned_by)
      select z.id, p.id, ${coordinator?.id ?? null}::uuid
      from public.zones z, public.profiles p
      where z.name in ('Little Village', 'Pilsen') and p.email = 'observer@example.org'
      on conflict do nothing
    `.execute(trx);
  },
};
