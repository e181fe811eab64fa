import { z } from "zod";
import { SPOKEN_LANGUAGES } from "./spoken-languages";
import { emailField, InviteSchema, namedDay, ResendInvitationSchema } from "./schema";

const LANGUAGE_CODES = SPOKEN_LANGUAGES.map((l) => l.code) as [string, ...string[]];

/** The list's filters, from the query string (a GET form, so they work without JavaScript). Anything unknown is ignored. */
export const ObserverFiltersSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  training: z.enum(["valid", "expired", "none"]).optional().catch(undefined),
  language: z.enum(LANGUAGE_CODES).optional().catch(undefined),
  /** 1-based page of the list (OBSERVERS_PAGE_SIZE a page); past the end shows the last page. */
  page: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
});
export type ObserverFilters = z.infer<typeof ObserverFiltersSchema>;

/** People a page of /coordinate/observers shows: 1,000 imported volunteers are 20 pages. */
export const OBSERVERS_PAGE_SIZE = 50;

export function observerFiltersFrom(params: URLSearchParams): ObserverFilters {
  return ObserverFiltersSchema.parse({
    q: params.get("q") || undefined,
    training: params.get("training") || undefined,
    language: params.get("language") || undefined,
    page: params.get("page") || undefined,
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
