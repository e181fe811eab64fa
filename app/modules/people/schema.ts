import { z } from "zod";
import { dateMessage, requiredMessage, tooLongMessage } from "~/utils/field-messages";

export const ROLES = ["observer", "coordinator", "attorney", "hotline", "admin"] as const;

/** Messages are i18n keys; the form translates them. */
export const emailField = z
  .string({ required_error: requiredMessage("people.email") })
  .trim()
  .toLowerCase()
  .max(254, tooLongMessage("people.email", 254))
  .email("errors.email");

/** A real yyyy-mm-dd day (Date.parse("2026-02-30") is 2 March; only a date that reads back unchanged is real). */
const dayOf = (required: string, date: string) =>
  z
    .string({ required_error: required })
    .regex(/^\d{4}-\d{2}-\d{2}$/, date)
    .refine((d) => {
      const parsed = new Date(`${d}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
    }, date);
export const isoDay = dayOf("errors.required", "errors.date");
/** The same, its messages naming the field (an i18n key): "Fill in “Training date”." */
export const namedDay = (field: string) => dayOf(requiredMessage(field), dateMessage(field));

const rolesField = z.array(z.enum(ROLES), { required_error: "errors.roles" }).min(1, "errors.roles");

export const InviteSchema = z.object({
  intent: z.literal("invite"),
  email: emailField,
  displayName: z.string({ required_error: requiredMessage("people.name") }).trim().min(1, requiredMessage("people.name")).max(120, tooLongMessage("people.name", 120)),
  roles: rolesField,
  /** The invitation email's language; absent: the organisation's default. */
  language: z.enum(["en", "es"], { invalid_type_error: "errors.required" }).optional(),
});

export const ResendInvitationSchema = z.object({
  intent: z.literal("resend"),
  invitationId: z.string({ required_error: "errors.required" }).uuid("errors.required"),
});

export const SetRolesSchema = z.object({
  intent: z.literal("roles"),
  userId: z.string().uuid(),
  roles: rolesField,
});

export const SetActiveSchema = z.object({
  intent: z.enum(["deactivate", "reactivate"]),
  userId: z.string().uuid(),
});

export const SetTrainingSchema = z.object({
  intent: z.literal("training"),
  userId: z.string().uuid(),
  trainingDate: isoDay.optional(),
});

export const SetZonesSchema = z.object({
  intent: z.literal("zones"),
  userId: z.string().uuid(),
  zoneIds: z.array(z.string().uuid()).max(200).default([]),
});

export const PeopleActionSchema = z.discriminatedUnion("intent", [
  SetZonesSchema,
  InviteSchema,
  SetRolesSchema,
  SetActiveSchema.extend({ intent: z.literal("deactivate") }),
  SetActiveSchema.extend({ intent: z.literal("reactivate") }),
  SetTrainingSchema,
  ResendInvitationSchema,
]);
