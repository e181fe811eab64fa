import { z } from "zod";
import { TRI_STATES } from "./recipients";

export { DETAINED_SLOTS, isBlank, TRI_STATES, WITNESS_SLOTS } from "./recipients";
import { fieldMessage, tooLongMessage } from "~/utils/field-messages";

export const ACTIVITIES = ["surveilling", "at_home", "questioning", "detaining", "loading", "checkpoint", "workplace", "traffic_stop"] as const;
export const AGENCIES = ["ice_ero", "hsi", "cbp", "other_dhs", "fbi", "local_police", "unknown"] as const;
export const WARRANTS = ["unknown", "none", "administrative", "judicial"] as const;
export const URGENCIES = ["critical", "high", "medium", "low"] as const;

export const OFFICER_SLOTS = 3;
export const VEHICLE_SLOTS = 3;

/** Free text of at most `max` characters; `field` names it in the error (an i18n key). */
export const text = (max: number, field: string) => z.string().trim().max(max, tooLongMessage(field, max)).default("");
const blankToUndefined = (v: unknown) => (v === "" || v === undefined || v === null ? undefined : v);
/** A count the observer types (agents, vehicles): each failure has its own message, `reports.errors.<what>*`. */
export const count = (max: number, what: "agents" | "vehicles") =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ invalid_type_error: `reports.errors.${what}Whole` })
      .int(`reports.errors.${what}Whole`)
      .min(0, `reports.errors.${what}Min`)
      .max(max, fieldMessage(`reports.errors.${what}Max`, { max }))
      .optional(),
  );
/** A number the page fills in itself (from the phone or from sealing): wrong only if tampered with or broken. */
export const hiddenCount = (max: number, message: string) =>
  z.preprocess(blankToUndefined, z.coerce.number({ invalid_type_error: message }).int(message).min(0, message).max(max, message).optional());
export const flag = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()).default(false);
const tri = z.enum(TRI_STATES, { errorMap: () => ({ message: "reports.errors.choice" }) }).default("unknown");
export const coordinate = (limit: number, what: "latitude" | "longitude") =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ invalid_type_error: `reports.errors.${what}Number` })
      .min(-limit, `reports.errors.${what}Range`)
      .max(limit, `reports.errors.${what}Range`)
      .optional(),
  );

/** "2026-11-26T09:30" as typed in a datetime-local field (organisation's time zone). */
export const localDateTime = z
  .string({ required_error: "reports.errors.whenRequired" })
  .trim()
  .min(1, "reports.errors.whenRequired")
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "reports.errors.when");

// Named as in their group ("Officer 2: Name"): ~/modules/reports/slot-errors
const officer = z.object({ name: text(120, "reports.personName"), badge: text(40, "formErrors.fields.badge") });
const vehicle = z.object({ make: text(60, "formErrors.fields.vehicleMake"), colour: text(40, "errorsFound.colour"), plate: text(20, "formErrors.fields.vehiclePlate") });

/** Sealed in the browser (or, without JavaScript, on the server on receipt): never stored as text. */
export const DetainedSchema = z.object({
  name: text(200, "formErrors.fields.personName"),
  dateOfBirth: text(20, "reports.dateOfBirth"),
  countryOfBirth: text(80, "reports.countryOfBirth"),
  // Never blocks a report on its format: a refused form would have to show the details again.
  aNumber: text(20, "reports.aNumber"),
  whereTaken: text(300, "reports.whereTaken"),
  familyContact: text(300, "reports.familyContact"),
  consentToContact: tri,
  contactChannel: text(60, "reports.contactChannel"),
  contactLanguage: text(40, "reports.contactLanguage"),
});
export const WitnessSchema = z.object({ name: text(200, "formErrors.fields.personName"), contact: text(300, "reports.witnessContact"), hasVideo: tri });

export type Detained = z.infer<typeof DetainedSchema>;
export type Witness = z.infer<typeof WitnessSchema>;

export const ReportSchema = z.object({
  clientUuid: z.string({ required_error: "reports.errors.clientUuid" }).uuid("reports.errors.clientUuid"),
  occurredAt: localDateTime,
  activities: z.array(z.enum(ACTIVITIES, { errorMap: () => ({ message: "reports.errors.choice" }) })).max(ACTIVITIES.length).default([]),
  agencies: z.array(z.enum(AGENCIES, { errorMap: () => ({ message: "reports.errors.choice" }) })).max(AGENCIES.length).default([]),
  agentCountMin: count(500, "agents"),
  agentsPossiblyMore: flag,
  vehicleCount: count(200, "vehicles"),
  urgency: z.enum(URGENCIES, { errorMap: () => ({ message: "reports.errors.choice" }) }).default("high"),
  latitude: coordinate(90, "latitude"),
  longitude: coordinate(180, "longitude"),
  accuracy: hiddenCount(100000, "reports.errors.accuracy"),
  crossStreets: text(200, "reports.crossStreets"),
  masked: tri,
  vestText: text(200, "reports.vestText"),
  equipment: text(500, "reports.equipment"),
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
  narrative: text(10000, "reports.narrative"),
  detained: z.array(DetainedSchema).max(20).default([]),
  witnesses: z.array(WitnessSchema).max(20).default([]),
  /** The browser's sealed box (JSON text) when JavaScript sealed the P2 fields before sending. */
  sealed: z.string().max(400_000, "reports.errors.sealedInvalid").optional(),
  sealedDetained: hiddenCount(50, "reports.errors.sealedInvalid"),
  sealedWitnesses: hiddenCount(50, "reports.errors.sealedInvalid"),
}).superRefine((value, ctx) => {
  // One of the two typed without the other: the message sits on the one that is missing.
  if (value.latitude === undefined && value.longitude !== undefined) {
    ctx.addIssue({ code: "custom", path: ["latitude"], message: "reports.errors.latitudeMissing" });
  } else if (value.longitude === undefined && value.latitude !== undefined) {
    ctx.addIssue({ code: "custom", path: ["longitude"], message: "reports.errors.longitudeMissing" });
  }
  if (value.latitude === undefined && !value.crossStreets) {
    ctx.addIssue({ code: "custom", path: ["crossStreets"], message: "reports.errors.where" });
  }
});

export type ReportInput = z.infer<typeof ReportSchema>;
