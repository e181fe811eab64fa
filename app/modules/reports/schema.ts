import { z } from "zod";

export const ACTIVITIES = ["surveilling", "at_home", "questioning", "detaining", "loading", "checkpoint", "workplace", "traffic_stop"] as const;
export const AGENCIES = ["ice_ero", "hsi", "cbp", "other_dhs", "fbi", "local_police", "unknown"] as const;
export const TRI_STATES = ["unknown", "yes", "no"] as const;
export const WARRANTS = ["unknown", "none", "administrative", "judicial"] as const;
export const URGENCIES = ["critical", "high", "medium", "low"] as const;

/** How many people of each kind the form offers slots for (more can be added as addenda). */
export const DETAINED_SLOTS = 3;
export const WITNESS_SLOTS = 2;
export const OFFICER_SLOTS = 3;
export const VEHICLE_SLOTS = 3;

export const text = (max: number) => z.string().trim().max(max, "errors.tooLong").default("");
export const count = (max: number) =>
  z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? undefined : v),
    z.coerce
      .number({ invalid_type_error: "reports.errors.count" })
      .int("reports.errors.count")
      .min(0, "reports.errors.count")
      .max(max, "reports.errors.count")
      .optional(),
  );
export const flag = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()).default(false);
const tri = z.enum(TRI_STATES, { errorMap: () => ({ message: "reports.errors.choice" }) }).default("unknown");
export const coordinate = (limit: number) =>
  z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? undefined : v),
    z.coerce.number({ invalid_type_error: "reports.errors.location" }).min(-limit, "reports.errors.location").max(limit, "reports.errors.location").optional(),
  );

/** "2026-11-26T09:30" as typed in a datetime-local field (organisation's time zone). */
export const localDateTime = z
  .string({ required_error: "errors.required" })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "reports.errors.when");

const officer = z.object({ name: text(120), badge: text(40) });
const vehicle = z.object({ make: text(60), colour: text(40), plate: text(20) });

/** Sealed in the browser (or, without JavaScript, on the server on receipt): never stored as text. */
export const DetainedSchema = z.object({
  name: text(200),
  dateOfBirth: text(20),
  countryOfBirth: text(80),
  // Never blocks a report on its format: a refused form would have to show the details again.
  aNumber: text(20),
  whereTaken: text(300),
  familyContact: text(300),
  consentToContact: tri,
  contactChannel: text(60),
  contactLanguage: text(40),
});
export const WitnessSchema = z.object({ name: text(200), contact: text(300), hasVideo: tri });

export type Detained = z.infer<typeof DetainedSchema>;
export type Witness = z.infer<typeof WitnessSchema>;

export const isBlank = (value: Record<string, string>) =>
  Object.entries(value).every(([key, v]) => v === "" || ((key === "consentToContact" || key === "hasVideo") && v === "unknown"));

export const ReportSchema = z.object({
  clientUuid: z.string({ required_error: "reports.errors.clientUuid" }).uuid("reports.errors.clientUuid"),
  occurredAt: localDateTime,
  activities: z.array(z.enum(ACTIVITIES, { errorMap: () => ({ message: "reports.errors.choice" }) })).max(ACTIVITIES.length).default([]),
  agencies: z.array(z.enum(AGENCIES, { errorMap: () => ({ message: "reports.errors.choice" }) })).max(AGENCIES.length).default([]),
  agentCountMin: count(500),
  agentsPossiblyMore: flag,
  vehicleCount: count(200),
  urgency: z.enum(URGENCIES, { errorMap: () => ({ message: "reports.errors.choice" }) }).default("high"),
  latitude: coordinate(90),
  longitude: coordinate(180),
  accuracy: count(100000),
  crossStreets: text(200),
  masked: tri,
  vestText: text(200),
  equipment: text(500),
  identified: tri,
  warrant: z.enum(WARRANTS, { errorMap: () => ({ message: "reports.errors.choice" }) }).default("unknown"),
  homeEntry: tri,
  consentAsked: tri,
  consentGiven: tri,
  useOfForce: tri,
  injuries: tri,
  localPoliceAssisting: tri,
  officers: z.array(officer).max(OFFICER_SLOTS * 4).default([]),
  vehicles: z.array(vehicle).max(VEHICLE_SLOTS * 4).default([]),
  narrative: text(10000),
  detained: z.array(DetainedSchema).max(20).default([]),
  witnesses: z.array(WitnessSchema).max(20).default([]),
  /** The browser's sealed box (JSON text) when JavaScript sealed the P2 fields before sending. */
  sealed: z.string().max(400_000, "errors.tooLong").optional(),
  sealedDetained: count(50),
  sealedWitnesses: count(50),
}).superRefine((value, ctx) => {
  if ((value.latitude === undefined) !== (value.longitude === undefined)) {
    ctx.addIssue({ code: "custom", path: ["latitude"], message: "reports.errors.location" });
  }
  if (value.latitude === undefined && !value.crossStreets) {
    ctx.addIssue({ code: "custom", path: ["crossStreets"], message: "reports.errors.where" });
  }
});

export type ReportInput = z.infer<typeof ReportSchema>;
