import { z } from "zod";
import { requiredMessage, tooLongMessage } from "~/utils/field-messages";
import { SPOKEN_LANGUAGES } from "./spoken-languages";

export { SPOKEN_LANGUAGES };

const codes = SPOKEN_LANGUAGES.map((l) => l.code) as [string, ...string[]];

export const ProfileSchema = z.object({
  displayName: z.string({ required_error: requiredMessage("profile.name") }).trim().min(1, requiredMessage("profile.name")).max(120, tooLongMessage("profile.name", 120)),
  phone: z
    .string()
    .trim()
    .max(40, tooLongMessage("profile.phone", 40))
    .regex(/^[0-9+()\-.\s]*$/, "errors.phone")
    .optional()
    .transform((p) => p || null),
  languages: z.array(z.enum(codes)).max(SPOKEN_LANGUAGES.length).default([]),
  preferredLanguage: z.enum(["en", "es"]),
});

export type ProfileInput = z.infer<typeof ProfileSchema>;
