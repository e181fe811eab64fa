import { createHash } from "node:crypto";
import booleanPointInPolygon from "@turf/boolean-point-in-polygon";
import { sql } from "kysely";
import { fromB64u, sealJson } from "../../app/integrations/sealing";
import type { SeedStep } from "./step";
import { DEMO_ZONES } from "./zones";

/**
 * About forty incident reports from the last three weeks, written by the two demo observers in the
 * demo zones, at every stage of review. Everything in them is invented: the people, the names,
 * the plates, the numbers (555-01xx telephone numbers are reserved for fiction).
 *
 * Detained people and witnesses (P2) are sealed exactly as the report form seals them in the
 * browser (`sealFormData`): `{ v: 1, detained, witnesses }`, every field a string, with the
 * report's client_uuid as associated data, to every key P2 is sealed to when the seed runs (in
 * the demo, the demo attorney's; see keys.ts). So a developer signed in as attorney@example.org
 * can unseal them with the passphrase `testigo demo attorney`. No passphrase work happens here:
 * sealing needs only public keys.
 *
 * Runs once: skips when the first demo report exists; needs the demo observers.
 */

type Tri = "yes" | "no" | "unknown";
type Status = "new" | "in_review" | "follow_up" | "referred" | "closed";
type Urgency = "critical" | "high" | "medium" | "low";
type Verification = "unconfirmed" | "confirmed" | "false_alarm";

interface Detained {
  name: string;
  dateOfBirth: string;
  countryOfBirth: string;
  aNumber: string;
  whereTaken: string;
  familyContact: string;
  consentToContact: Tri;
  contactChannel: string;
  contactLanguage: string;
}
interface Witness {
  name: string;
  contact: string;
  hasVideo: Tri;
}

interface Scenario {
  activities: string[];
  agencies: string[];
  agents: number;
  more?: boolean;
  vehicles: { make: string; colour: string; plate: string }[];
  officers?: { name: string; badge: string }[];
  warrant: "none" | "administrative" | "judicial" | "unknown";
  masked: Tri;
  vestText?: string;
  equipment?: string;
  identified?: Tri;
  homeEntry?: Tri;
  consentAsked?: Tri;
  consentGiven?: Tri;
  useOfForce?: Tri;
  injuries?: Tri;
  localPolice?: Tri;
  detained: number;
  witnesses: number;
  narrative: string;
}

/** What observers see most, each told the way an observer would write it down. */
const SCENARIOS: Scenario[] = [
  {
    activities: ["surveilling"],
    agencies: ["ice_ero"],
    agents: 2,
    vehicles: [{ make: "Dark grey Ford Explorer", colour: "grey", plate: "" }],
    warrant: "unknown",
    masked: "no",
    detained: 0,
    witnesses: 0,
    narrative:
      "Unmarked grey SUV parked across from the bus stop since about 6:10. Two men inside, one taking pictures of people waiting. They did not get out. Left at 7:05 heading west. No contact with anyone that I saw.",
  },
  {
    activities: ["questioning", "detaining", "loading"],
    agencies: ["ice_ero"],
    agents: 4,
    more: true,
    vehicles: [
      { make: "Chevrolet Tahoe", colour: "black", plate: "" },
      { make: "White passenger van", colour: "white", plate: "" },
    ],
    warrant: "administrative",
    masked: "yes",
    vestText: "POLICE ERO",
    equipment: "Radios, one agent holding a clipboard with photos",
    identified: "no",
    useOfForce: "no",
    detained: 1,
    witnesses: 1,
    narrative:
      "Agents stopped a man walking to work outside the panadería. They asked his name and showed him a photo. He said it was not him. They put him in the van after about ten minutes. When I asked for a warrant an agent showed a paper from a distance; it looked like an ICE form, not signed by a judge. A neighbour filmed from the corner.",
  },
  {
    activities: ["at_home", "questioning"],
    agencies: ["ice_ero", "hsi"],
    agents: 5,
    vehicles: [
      { make: "Dodge Durango", colour: "black", plate: "" },
      { make: "Ford Explorer", colour: "silver", plate: "" },
    ],
    warrant: "administrative",
    masked: "yes",
    vestText: "POLICE",
    identified: "no",
    homeEntry: "no",
    consentAsked: "yes",
    consentGiven: "no",
    detained: 0,
    witnesses: 1,
    narrative:
      "Five agents knocked at the side door of a two-flat at 5:50 and asked for someone by name. The family spoke through the closed door and asked them to slide the warrant under it. It was an administrative form (I-205) with no judge's signature. The family did not open. Agents waited about 40 minutes and left.",
  },
  {
    activities: ["traffic_stop", "questioning", "detaining"],
    agencies: ["ice_ero", "local_police"],
    agents: 3,
    vehicles: [
      { make: "Marked police Ford Interceptor", colour: "white", plate: "" },
      { make: "Unmarked Chevrolet Suburban", colour: "black", plate: "IL partial ...Q7" },
    ],
    officers: [{ name: "City officer, name tape \"Okafor-Lind\"", badge: "" }],
    warrant: "none",
    masked: "no",
    vestText: "ICE",
    localPolice: "yes",
    detained: 1,
    witnesses: 2,
    narrative:
      "A city police car pulled over a pickup truck for a turn signal. About five minutes later an unmarked SUV arrived and two agents in ICE vests spoke with the driver. The driver was handcuffed and put in the SUV. The police officer stayed until they left. Two people at the gas station saw it and gave me their numbers.",
  },
  {
    activities: ["workplace", "questioning", "detaining", "loading"],
    agencies: ["ice_ero", "hsi"],
    agents: 10,
    more: true,
    vehicles: [
      { make: "White box van", colour: "white", plate: "" },
      { make: "Chevrolet Tahoe", colour: "black", plate: "" },
      { make: "Ford Explorer", colour: "black", plate: "" },
    ],
    warrant: "judicial",
    masked: "yes",
    vestText: "HSI / POLICE",
    equipment: "Long guns visible on two agents, zip ties",
    identified: "no",
    useOfForce: "yes",
    injuries: "unknown",
    detained: 3,
    witnesses: 2,
    narrative:
      "Agents surrounded the loading dock of the food-processing plant at shift change. Workers were lined up and asked for papers. I saw at least three people taken to a van; one man was pushed against the wall when he asked why. A manager said the agents had a court warrant for the records office. Rapid-response team called at 6:42.",
  },
  {
    activities: ["surveilling", "questioning"],
    agencies: ["unknown"],
    agents: 2,
    vehicles: [{ make: "Nissan Altima", colour: "blue", plate: "" }],
    warrant: "unknown",
    masked: "no",
    detained: 0,
    witnesses: 0,
    narrative:
      "Two people in plain clothes asking shoppers at the laundromat whether they knew a certain man. No badges shown. They said they were 'with the government'. Could be a process server or a private investigator, not sure it is immigration. They left when I started taking notes.",
  },
  {
    activities: ["checkpoint"],
    agencies: ["cbp", "local_police"],
    agents: 6,
    vehicles: [
      { make: "Green-and-white Border Patrol Tahoe", colour: "white", plate: "" },
      { make: "Marked squad car", colour: "white", plate: "" },
    ],
    warrant: "none",
    masked: "unknown",
    vestText: "BORDER PATROL",
    localPolice: "yes",
    detained: 0,
    witnesses: 1,
    narrative:
      "Cars being stopped one by one where the avenue narrows. Border Patrol agents looking into windows and asking drivers where they were going. City police directing traffic. I counted about 20 cars stopped in 15 minutes; I did not see anyone taken. Gone by 8:30.",
  },
  {
    activities: ["detaining", "loading"],
    agencies: ["ice_ero"],
    agents: 3,
    vehicles: [{ make: "Black Dodge Charger", colour: "black", plate: "" }],
    warrant: "unknown",
    masked: "yes",
    useOfForce: "no",
    detained: 2,
    witnesses: 0,
    narrative:
      "A woman and her adult son were taken from outside the bus stop as they got off the 6:15 bus. It was over in under three minutes. The agents did not say who they were; one had a vest that said POLICE under his jacket. The woman asked me to call her sister and gave me the number.",
  },
  {
    activities: ["surveilling"],
    agencies: ["ice_ero"],
    agents: 1,
    vehicles: [{ make: "Silver Jeep Grand Cherokee", colour: "silver", plate: "IL partial DZ8..." }],
    warrant: "unknown",
    masked: "no",
    detained: 0,
    witnesses: 0,
    narrative:
      "Same silver Jeep as reported yesterday, parked by the school at drop-off. One man inside with a laptop. He drove away when parents started to gather and look at him. Possibly the same vehicle from the report two days ago.",
  },
  {
    activities: ["questioning"],
    agencies: ["local_police"],
    agents: 2,
    vehicles: [{ make: "Marked police SUV", colour: "white", plate: "" }],
    warrant: "none",
    masked: "no",
    identified: "yes",
    detained: 0,
    witnesses: 0,
    narrative:
      "Two city police officers questioning street vendors about permits. Checked with them: they said it is a licensing check and nothing to do with immigration. No federal agents seen. Reporting so the team knows; probably not an immigration action.",
  },
  {
    activities: ["at_home", "detaining"],
    agencies: ["ice_ero", "other_dhs"],
    agents: 6,
    more: true,
    vehicles: [
      { make: "Ford Expedition", colour: "black", plate: "" },
      { make: "Chevrolet Suburban", colour: "grey", plate: "" },
    ],
    warrant: "administrative",
    masked: "yes",
    vestText: "POLICE",
    identified: "no",
    homeEntry: "yes",
    consentAsked: "no",
    consentGiven: "no",
    useOfForce: "yes",
    injuries: "no",
    detained: 1,
    witnesses: 2,
    narrative:
      "Agents entered the back yard through the gate and then the house when a child opened the door to see what was happening. Nobody gave permission. They came out with the father in handcuffs about 15 minutes later. The mother has the paper they left; it is an ICE form. Two neighbours saw the entry and one recorded part of it.",
  },
  {
    activities: ["surveilling", "questioning"],
    agencies: ["fbi", "unknown"],
    agents: 3,
    vehicles: [{ make: "Grey Ford Fusion", colour: "grey", plate: "" }],
    warrant: "unknown",
    masked: "no",
    detained: 0,
    witnesses: 0,
    narrative:
      "Three people in suits went into the corner store and asked the owner about a former employee. One said FBI when asked. No arrests. Owner did not want to give more details. Might not be immigration-related; flagging in case it connects to other reports.",
  },
];

/** Invented people: common given names and surnames in unlikely combinations, fictional numbers. */
const DETAINED: Omit<Detained, "whereTaken">[] = [
  { name: "Rosalba Quintero Ávila", dateOfBirth: "1979-03-14", countryOfBirth: "Mexico", aNumber: "A-000-000-101", familyContact: "Sister, (312) 555-0142", consentToContact: "yes", contactChannel: "Phone call", contactLanguage: "Spanish" },
  { name: "Efraín Solórzano Tapia", dateOfBirth: "1988-11-02", countryOfBirth: "Guatemala", aNumber: "", familyContact: "Wife, (773) 555-0118", consentToContact: "yes", contactChannel: "WhatsApp", contactLanguage: "Spanish, K'iche'" },
  { name: "Marisol Ybarra Centeno", dateOfBirth: "1995-06-21", countryOfBirth: "Honduras", aNumber: "A-000-000-117", familyContact: "", consentToContact: "unknown", contactChannel: "", contactLanguage: "Spanish" },
  { name: "Teodoro Lizárraga", dateOfBirth: "", countryOfBirth: "Mexico", aNumber: "", familyContact: "Son, (312) 555-0177", consentToContact: "yes", contactChannel: "Text message", contactLanguage: "Spanish" },
  { name: "Wilmer Arriaga Posada", dateOfBirth: "2001-01-30", countryOfBirth: "El Salvador", aNumber: "", familyContact: "Cousin at the same address", consentToContact: "no", contactChannel: "", contactLanguage: "Spanish" },
  { name: "Dolores Canché Uc", dateOfBirth: "1966-09-08", countryOfBirth: "Mexico", aNumber: "A-000-000-124", familyContact: "Daughter, (773) 555-0163", consentToContact: "yes", contactChannel: "Phone call after 6 pm", contactLanguage: "Spanish, Maya" },
  { name: "Ignacio Berrones Lugo", dateOfBirth: "1983-12-17", countryOfBirth: "Venezuela", aNumber: "", familyContact: "Partner, (312) 555-0105", consentToContact: "yes", contactChannel: "Signal", contactLanguage: "Spanish" },
  { name: "Yesenia Marroquín", dateOfBirth: "1990-04-05", countryOfBirth: "Guatemala", aNumber: "", familyContact: "", consentToContact: "unknown", contactChannel: "", contactLanguage: "Spanish, Mam" },
  { name: "Anselmo Riquelme Baños", dateOfBirth: "1975-07-26", countryOfBirth: "Ecuador", aNumber: "A-000-000-139", familyContact: "Brother, (773) 555-0191", consentToContact: "yes", contactChannel: "Phone call", contactLanguage: "Spanish" },
  { name: "Nayeli Cotzojay", dateOfBirth: "1999-02-11", countryOfBirth: "Guatemala", aNumber: "", familyContact: "Aunt, (312) 555-0127", consentToContact: "yes", contactChannel: "WhatsApp", contactLanguage: "Spanish" },
];

const WITNESSES: Witness[] = [
  { name: "Hortensia (neighbour, would not give surname)", contact: "(773) 555-0134", hasVideo: "yes" },
  { name: "Delfino Aragón", contact: "(312) 555-0156", hasVideo: "no" },
  { name: "Corner store cashier", contact: "Ask at the store, mornings", hasVideo: "unknown" },
  { name: "Maribel Estrada Funes", contact: "(773) 555-0109", hasVideo: "yes" },
  { name: "Bus driver, route 60", contact: "", hasVideo: "no" },
  { name: "Prudencio Villalobos", contact: "(312) 555-0185", hasVideo: "no" },
];

const CROSS_STREETS: Record<string, string[]> = {
  "Little Village": ["26th St & Albany Ave", "26th St & Kostner Ave", "Cermak Rd & Pulaski Rd"],
  Pilsen: ["18th St & Blue Island Ave", "Cermak Rd & Damen Ave", "18th St & Ashland Ave"],
  "Back of the Yards": ["47th St & Ashland Ave", "51st St & Racine Ave"],
  "Brighton Park": ["Archer Ave & Kedzie Ave", "38th St & California Ave"],
  "Albany Park": ["Lawrence Ave & Kimball Ave", "Montrose Ave & Kedzie Ave"],
  "Logan Square": ["Milwaukee Ave & Diversey Ave", "Fullerton Ave & Central Park Ave"],
  "Belmont Cragin": ["Grand Ave & Central Ave", "Belmont Ave & Cicero Ave"],
};

/** Each report's stage of review, oldest first (three weeks ago) to newest (this morning). */
const PLAN: { status: Status; verification: Verification; urgency?: Urgency; assigned?: boolean; hold?: boolean }[] = [
  { status: "closed", verification: "confirmed", hold: true },
  { status: "closed", verification: "false_alarm", urgency: "low" },
  ...Array.from({ length: 5 }, (_, i) => ({ status: "referred" as const, verification: "confirmed" as const, assigned: i === 1 })),
  ...Array.from({ length: 7 }, (_, i) => ({ status: "follow_up" as const, verification: "confirmed" as const, assigned: i < 3 })),
  ...Array.from({ length: 10 }, (_, i) => ({
    status: "in_review" as const,
    verification: i % 3 === 2 ? ("unconfirmed" as const) : ("confirmed" as const),
    assigned: i % 2 === 0,
  })),
  { status: "in_review", verification: "false_alarm", urgency: "low" },
  { status: "in_review", verification: "confirmed", urgency: "critical", assigned: true },
  ...Array.from({ length: 13 }, (_, i) => ({ status: "new" as const, verification: "unconfirmed" as const, assigned: i === 3 })),
  { status: "new", verification: "unconfirmed", urgency: "critical" },
];

/** A small seeded PRNG (mulberry32): the same demo every time. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable, valid v4-shaped UUID for demo report n. */
export function demoReportUuid(n: number) {
  const h = createHash("sha256").update(`testigo demo report ${n}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DEMO_REPORT_COUNT = PLAN.length;

function urgencyOf(s: Scenario, rand: () => number): Urgency {
  if (s.detained >= 2 || (s.useOfForce === "yes" && s.detained > 0)) return "critical";
  if (s.detained > 0 || s.activities.includes("at_home")) return "high";
  if (s.agencies.includes("local_police") && s.detained === 0 && !s.agencies.includes("ice_ero")) return "low";
  return rand() < 0.5 ? "medium" : "high";
}

function pointIn(zone: (typeof DEMO_ZONES)[number], rand: () => number): [number, number] {
  const ring = [...zone.ring, zone.ring[0]!];
  const xs = zone.ring.map((p) => p[0]);
  const ys = zone.ring.map((p) => p[1]);
  const polygon = { type: "Polygon" as const, coordinates: [ring] };
  for (let i = 0; i < 100; i++) {
    const point: [number, number] = [
      Math.round((Math.min(...xs) + rand() * (Math.max(...xs) - Math.min(...xs))) * 1e6) / 1e6,
      Math.round((Math.min(...ys) + rand() * (Math.max(...ys) - Math.min(...ys))) * 1e6) / 1e6,
    ];
    if (booleanPointInPolygon(point, polygon)) return point;
  }
  return zone.meetingPoint ?? zone.ring[0]!;
}

export const reports: SeedStep = {
  name: "reports",
  async run(trx) {
    const done = await trx.selectFrom("reports").select("id").where("client_uuid", "=", demoReportUuid(0)).executeTakeFirst();
    if (done) return;
    const people = await trx
      .selectFrom("profiles")
      .select(["id", "email"])
      .where("email", "in", ["observer@example.org", "observer2@example.org", "attorney@example.org"])
      .execute();
    const idOf = (email: string) => people.find((p) => p.email === email)?.id;
    const observers = [idOf("observer@example.org"), idOf("observer2@example.org")].filter((id): id is string => Boolean(id));
    if (!observers.length) return;
    const attorney = idOf("attorney@example.org") ?? null;
    const zones = await trx.selectFrom("zones").select(["id", "name"]).where("retired_at", "is", null).execute();
    const demoZones = DEMO_ZONES.map((z) => ({ zone: z, id: zones.find((row) => row.name === z.name)?.id })).filter(
      (z): z is { zone: (typeof DEMO_ZONES)[number]; id: string } => Boolean(z.id),
    );
    if (!demoZones.length) return;
    // Whom P2 is sealed to, as private.sealing_recipients() tells a signed-in observer.
    const recipients = await trx
      .selectFrom("sealing_keys as k")
      .select(["k.id", "k.public_key"])
      .where(sql<boolean>`private.key_is_current(k.active_from, k.approved_at, k.revoked_at)`)
      .where((eb) =>
        eb.or([
          eb("k.kind", "=", "recovery"),
          eb.exists(
            eb
              .selectFrom("role_grants as g")
              .innerJoin("profiles as p", "p.id", "g.user_id")
              .select(sql`1`.as("one"))
              .whereRef("g.user_id", "=", "k.owner_id")
              .where("g.role", "=", "attorney")
              .where("p.deactivated_at", "is", null),
          ),
        ]),
      )
      .orderBy("k.kind")
      .orderBy("k.created_at")
      .execute();
    const { time_zone: timeZone } = await trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow();

    const rand = prng(20261126);
    let person = 0;
    let witness = 0;
    const rows = PLAN.map((plan, n) => {
      // Oldest first, over 21 days; the last ones are from this morning.
      const daysAgo = Math.round(((PLAN.length - 1 - n) * 21) / (PLAN.length - 1));
      const scenario = SCENARIOS[(n * 5 + Math.floor(rand() * 3)) % SCENARIOS.length]!;
      // The Spanish-speaking observer covers Little Village and Pilsen; the other observer the rest.
      const { zone, id: zoneId } = demoZones[Math.floor(rand() * demoZones.length)]!;
      const author = observers.length > 1 && !["Little Village", "Pilsen"].includes(zone.name) ? observers[1]! : observers[n % 2 === 0 ? 0 : observers.length - 1]!;
      const located = rand() < 0.85;
      const [lng, lat] = pointIn(zone, rand);
      const streets = CROSS_STREETS[zone.name] ?? [""];
      const minutes = 5 * 60 + 30 + Math.floor(rand() * 5 * 60); // 05:30–10:30 local
      const clientUuid = demoReportUuid(n);
      const detained: Detained[] = Array.from({ length: scenario.detained }, () => {
        const d = DETAINED[person++ % DETAINED.length]!;
        return {
          name: d.name,
          dateOfBirth: d.dateOfBirth,
          countryOfBirth: d.countryOfBirth,
          aNumber: d.aNumber,
          whereTaken: streets[0]!,
          familyContact: d.familyContact,
          consentToContact: d.consentToContact,
          contactChannel: d.contactChannel,
          contactLanguage: d.contactLanguage,
        };
      });
      const witnesses = Array.from({ length: scenario.witnesses }, () => ({ ...WITNESSES[witness++ % WITNESSES.length]! }));
      const sealed =
        detained.length + witnesses.length > 0 && recipients.length
          ? sealJson(
              { v: 1, detained, witnesses },
              recipients.map((r) => ({ keyId: r.id, publicKey: fromB64u(r.public_key) })),
              clientUuid,
            )
          : null;
      sealed?.contentKey.fill(0);
      const urgency = plan.urgency ?? urgencyOf(scenario, rand);
      const reviewed = plan.status !== "new";
      const occurred = sql<Date>`least(now() - interval '40 minutes',
        ((current_date - ${daysAgo}::integer) + make_interval(mins => ${minutes}::integer)) at time zone ${timeZone}::text)`;
      const submitDelay = 10 + Math.floor(rand() * 80);
      return {
        client_uuid: clientUuid,
        author_id: author,
        zone_id: zoneId,
        occurred_at: occurred,
        submitted_at: sql<Date>`least(now(), ${occurred} + make_interval(mins => ${submitDelay}::integer))`,
        location: located ? JSON.stringify({ type: "Point", coordinates: [lng, lat] }) : null,
        location_accuracy_m: located ? 5 + Math.floor(rand() * 40) : null,
        cross_streets: streets[Math.floor(rand() * streets.length)]!,
        agent_count_min: scenario.agents,
        agents_possibly_more: scenario.more ?? false,
        vehicle_count: scenario.vehicles.length,
        activities: scenario.activities,
        agencies: scenario.agencies,
        masked: scenario.masked,
        vest_text: scenario.vestText ?? "",
        equipment: scenario.equipment ?? "",
        identified: scenario.identified ?? "unknown",
        warrant: scenario.warrant,
        home_entry: scenario.homeEntry ?? "unknown",
        consent_asked: scenario.consentAsked ?? "unknown",
        consent_given: scenario.consentGiven ?? "unknown",
        use_of_force: scenario.useOfForce ?? "unknown",
        injuries: scenario.injuries ?? "unknown",
        local_police_assisting: scenario.localPolice ?? "unknown",
        officers: JSON.stringify(scenario.officers ?? []),
        vehicles: JSON.stringify(scenario.vehicles),
        narrative: scenario.narrative,
        urgency,
        verification: plan.verification,
        status: plan.status,
        sealed: sealed ? JSON.stringify(sealed.sealed) : null,
        sealed_detained: sealed ? detained.length : 0,
        sealed_witnesses: sealed ? witnesses.length : 0,
        review_started_at: reviewed ? sql<Date>`least(now(), ${occurred} + interval '3 hours')` : null,
        closed_at: plan.status === "closed" ? sql<Date>`least(now(), ${occurred} + interval '4 days')` : null,
        assigned_to: plan.assigned ? attorney : null,
        legal_hold: plan.hold ?? false,
        legal_hold_reason: plan.hold ? "Possible federal civil-rights claim: keep everything." : "",
      };
    });
    await trx.insertInto("reports").values(rows).execute();
  },
};
