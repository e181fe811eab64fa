import { z } from "zod";
import { SPOKEN_LANGUAGES } from "./spoken-languages";
import { emailField, InviteSchema, namedDay, ResendInvitationSchema } from "./schema";

const LANGUAGE_CODES = SPOKEN_LANGUAGES.map((l) => l.code) as [string, ...string[]];

/** The list's filters, from the query string (a GET form, so they work without JavaScript). Anything unknown is ignored. */
export const ObserverFiltersSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  training: z.enum(["valid", "expired", "none"]).optional().catch(undefined),
  language: z.enum(LANGUAGE_CODES).optional().catch(undefined),
});
export type ObserverFilters = z.infer<typeof ObserverFiltersSchema>;

export function observerFiltersFrom(params: URLSearchParams): ObserverFilters {
  return ObserverFiltersSchema.parse({
    q: params.get("q") || undefined,
    training: params.get("training") || undefined,
    language: params.get("language") || undefined,
  });
}

export const RecordTrainingSchema = z.object({
  intent: z.literal("training"),
  userIds: z.array(z.string().uuid("observers.errors.notFound"), { required_error: "errorsFound.chooseObservers" }).min(1, "errorsFound.chooseObservers").max(5000),
  trainingDate: namedDay("observers.trainingDate"),
});

/** Coordinators invite observers only; the roles are not the form's to choose here. */
export const InviteObserverSchema = InviteSchema.omit({ roles: true }).extend({ email: emailField });

export const ImportSchema = z.object({ intent: z.enum(["preview", "import"]) });

export const ObserversActionSchema = z.discriminatedUnion("intent", [RecordTrainingSchema, InviteObserverSchema, ResendInvitationSchema]);
