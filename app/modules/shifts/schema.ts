import { z } from "zod";
import { dateMessage, fieldMessage, requiredMessage, tooLongMessage } from "~/utils/field-messages";
import { wholeNumber } from "~/utils/whole-number";
import { SPOKEN_LANGUAGES } from "~/modules/people/profile-schema";

const codes = SPOKEN_LANGUAGES.map((l) => l.code) as [string, ...string[]];

/** A real day between 2000 and 2100; `field` (an i18n key) names it in the messages. */
const dayField = (field: string) =>
  z
    .string({ required_error: requiredMessage(field) })
    .trim()
    .min(1, requiredMessage(field))
    .regex(/^\d{4}-\d{2}-\d{2}$/, dateMessage(field))
    .refine((d) => {
      const parsed = new Date(`${d}T00:00:00Z`);
      const year = Number(d.slice(0, 4));
      return year >= 2000 && year <= 2100 && !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
    }, dateMessage(field));
const dateField = dayField("schedule.date");

const timeField = (field: string) =>
  z
    .string({ required_error: fieldMessage("formErrors.time", { field }) })
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, fieldMessage("formErrors.time", { field }));

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Days between two yyyy-mm-dd dates. */
const daysBetween = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

const capacityField = wholeNumber("schedule.capacity", 1, 100, 4);

const needsLanguagesField = z.array(z.enum(codes)).max(10).default([]);

/** A checkbox: "on" when ticked (or "true"), absent when not. */
const checkboxField = z
  .string()
  .optional()
  .transform((v) => v === "on" || v === "true");

export const MAX_SERIES_DAYS = 182;

export const CreateShiftSchema = z
  .object({
    intent: z.literal("create"),
    zoneId: z.string({ required_error: "schedule.chooseZone" }).uuid("schedule.chooseZone"),
    repeat: z.enum(["once", "weekly"]).default("once"),
    date: dateField,
    startTime: timeField("schedule.startTime"),
    endTime: timeField("schedule.endTime"),
    weekdays: z.array(z.coerce.number().int().min(1).max(7)).max(7).default([]),
    until: z.string().trim().optional(),
    capacity: capacityField,
    needsLanguages: needsLanguagesField,
    needsTeamLead: checkboxField,
    notes: z.string().trim().max(1000, tooLongMessage("formErrors.fields.shiftNotes", 1000)).default(""),
  })
  .superRefine((value, ctx) => {
    if (value.startTime === value.endTime) ctx.addIssue({ code: "custom", path: ["endTime"], message: "shifts.errors.endTime" });
    if (value.repeat === "weekly") {
      if (!value.weekdays.length) ctx.addIssue({ code: "custom", path: ["weekdays"], message: "shifts.errors.weekdays" });
      const until = value.until ?? "";
      if (!dateField.safeParse(until).success) {
        ctx.addIssue({ code: "custom", path: ["until"], message: until ? dateMessage("schedule.until") : requiredMessage("schedule.until") });
      } else if (daysBetween(value.date, until) < 0) {
        ctx.addIssue({ code: "custom", path: ["until"], message: "shifts.errors.untilBeforeStart" });
      } else if (daysBetween(value.date, until) > MAX_SERIES_DAYS) {
        ctx.addIssue({ code: "custom", path: ["until"], message: "shifts.errors.seriesTooLong" });
      }
    }
  })
  // An end before the start is the next morning: overnight shifts are common. The database turns
  // both local times into instants on their own days, so a DST change overnight costs no hour.
  .transform((value) => ({ ...value, overnight: minutesOf(value.endTime) < minutesOf(value.startTime), until: value.until ?? value.date }));

export type CreateShiftInput = z.infer<typeof CreateShiftSchema>;

export const UpdateShiftSchema = z.object({
  intent: z.literal("update"),
  capacity: capacityField,
  notes: z.string().trim().max(1000, tooLongMessage("formErrors.fields.shiftNotes", 1000)).default(""),
});

/** People the coordinator confirmed to take off a shift whose new time double-books them. */
const takeOffField = z.array(z.string().uuid()).max(100).default([]);

/** A shift moved to another day or time (in the organisation's time zone). */
export const RescheduleShiftSchema = z.object({
  intent: z.literal("reschedule"),
  date: dayField("shiftChange.reschedule.date"),
  startTime: timeField("schedule.startTime"),
  endTime: timeField("schedule.endTime"),
  takeOff: takeOffField,
});

/** A weekly series changed as one from a local date on. */
export const EditSeriesSchema = z.object({
  intent: z.literal("editSeries"),
  from: dayField("shiftChange.series.from"),
  startTime: timeField("schedule.startTime"),
  endTime: timeField("schedule.endTime"),
  // the series form's label for it
  capacity: wholeNumber("shiftChange.series.capacity", 1, 100, 4),
  needsLanguages: needsLanguagesField,
  needsTeamLead: checkboxField,
  takeOff: takeOffField,
});

export type RescheduleShiftInput = z.infer<typeof RescheduleShiftSchema>;
export type EditSeriesInput = z.infer<typeof EditSeriesSchema>;

/** A start equal to the end is no shift (an end before the start is the next morning). */
function sameStartAndEnd(value: { intent: string; startTime?: string; endTime?: string }, ctx: z.RefinementCtx) {
  if ((value.intent === "reschedule" || value.intent === "editSeries") && value.startTime === value.endTime) {
    ctx.addIssue({ code: "custom", path: ["endTime"], message: "shifts.errors.endTime" });
  }
}

export const CancelShiftSchema = z.object({ intent: z.literal("cancel"), reason: z.string().trim().max(500, tooLongMessage("formErrors.fields.cancelReason", 500)).default("") });

export const CoordinatorShiftActionSchema = z
  .discriminatedUnion("intent", [
    UpdateShiftSchema,
    CancelShiftSchema,
    z.object({ intent: z.literal("assign"), observerId: z.string({ required_error: "shifts.errors.pickObserver" }).uuid("shifts.errors.pickObserver") }),
    z.object({ intent: z.literal("unassign"), assignmentId: z.string().uuid() }),
    RescheduleShiftSchema,
    EditSeriesSchema,
  ])
  .superRefine(sameStartAndEnd);

export const ObserverShiftActionSchema = z.object({
  intent: z.enum(["claim", "waitlist", "leave", "checkIn", "checkOut"]),
});

export const ShiftFiltersSchema = z.object({
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  zone: z.string().uuid().optional().catch(undefined),
  language: z.enum(codes).optional().catch(undefined),
});

export type ShiftFilters = z.infer<typeof ShiftFiltersSchema>;
