import { z } from "zod";
import { ACTIVITIES, AGENCIES, URGENCIES, coordinate, count, flag, hiddenCount, localDateTime, text, type ReportInput } from "~/modules/reports/schema";
import { NAMED_SLOTS, REASON_MAX, SETTLED, SITUATIONS } from "./constants";

export { intakeFilters, NAMED_SLOTS, REASON_MAX, SETTLED, SITUATIONS, STATUSES, VERIFICATIONS } from "./constants";

// "Log a call" (docs/decisions/025-hotline-intake.md): what a caller says, in the fields of a
// report. The caller and the people they name are P2, sealed like an observer's detained people
// and witnesses (in the browser, or on receipt without JavaScript).

const choice = { errorMap: () => ({ message: "reports.errors.choice" }) };

export const NamedPersonSchema = z.object({
  name: text(200, "hotline.personName"),
  situation: z.enum(SITUATIONS, choice).default("detained"),
  details: text(300, "hotline.personDetails"),
});
export const CallerSchema = z.object({ name: text(200, "hotline.callerName"), callback: text(40, "hotline.callerCallback") });
export type NamedPerson = z.infer<typeof NamedPersonSchema>;
export type Caller = z.infer<typeof CallerSchema>;

export const IntakeSchema = z
  .object({
    clientUuid: z.string({ required_error: "reports.errors.clientUuid" }).uuid("reports.errors.clientUuid"),
    narrative: text(4000, "reports.narrative"),
    occurredAt: localDateTime,
    activities: z.array(z.enum(ACTIVITIES, choice)).max(ACTIVITIES.length).default([]),
    agencies: z.array(z.enum(AGENCIES, choice)).max(AGENCIES.length).default([]),
    agentCountMin: count(500, "agents"),
    agentsPossiblyMore: flag,
    urgency: z.enum(URGENCIES, choice).default("high"),
    latitude: coordinate(90, "latitude"),
    longitude: coordinate(180, "longitude"),
    crossStreets: text(200, "reports.crossStreets"),
    caller: CallerSchema.default({}),
    named: z.array(NamedPersonSchema).max(NAMED_SLOTS * 4).default([]),
    /** The browser's sealed box (JSON text) when JavaScript sealed the caller and the people named. */
    sealed: z.string().max(400_000, "errors.tooLong").optional(),
    sealedDetained: hiddenCount(50, "reports.errors.sealedInvalid"),
  })
  .superRefine((value, ctx) => {
    // One of the two without the other: the message sits on the one that is missing (as on the report form).
    if (value.latitude === undefined && value.longitude !== undefined) {
      ctx.addIssue({ code: "custom", path: ["latitude"], message: "reports.errors.latitudeMissing" });
    } else if (value.longitude === undefined && value.latitude !== undefined) {
      ctx.addIssue({ code: "custom", path: ["longitude"], message: "reports.errors.longitudeMissing" });
    }
    if (value.latitude === undefined && !value.crossStreets) {
      ctx.addIssue({ code: "custom", path: ["crossStreets"], message: "reports.errors.where" });
    }
  });
export type IntakeInput = z.infer<typeof IntakeSchema>;

export const isBlankPerson = (p: Partial<NamedPerson>) => !p.name?.trim() && !p.details?.trim();
export const isBlankCaller = (c: Partial<Caller>) => !c.name?.trim() && !c.callback?.trim();

/** A logged call in the shape of a report: what the caller did not say stays unknown. */
export function reportInputOf(input: IntakeInput): ReportInput {
  return {
    clientUuid: input.clientUuid,
    occurredAt: input.occurredAt,
    activities: input.activities,
    agencies: input.agencies,
    agentCountMin: input.agentCountMin,
    agentsPossiblyMore: input.agentsPossiblyMore,
    vehicleCount: undefined,
    urgency: input.urgency,
    latitude: input.latitude,
    longitude: input.longitude,
    accuracy: undefined,
    crossStreets: input.crossStreets,
    masked: "unknown",
    vestText: "",
    equipment: "",
    identified: "unknown",
    warrant: "unknown",
    homeEntry: "unknown",
    consentAsked: "unknown",
    consentGiven: "unknown",
    useOfForce: "unknown",
    injuries: "unknown",
    localPoliceAssisting: "unknown",
    officers: [],
    vehicles: [],
    narrative: input.narrative,
    detained: [],
    witnesses: [],
    sealed: input.sealed,
    sealedDetained: input.sealedDetained,
    sealedWitnesses: 0,
  };
}

/** "Confirmed" or "False alarm", with a reason (P1: no names). */
export const SettleSchema = z.object({
  intent: z.literal("settle"),
  verification: z.enum(SETTLED, { errorMap: () => ({ message: "hotline.errors.verification" }) }),
  reason: z
    .string({ required_error: "hotline.errors.reasonRequired" })
    .trim()
    .min(1, "hotline.errors.reasonRequired")
    .max(REASON_MAX, "errors.tooLong"),
});
