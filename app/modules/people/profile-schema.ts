import { z } from "zod";
import { SPOKEN_LANGUAGES } from "./spoken-languages";

export { SPOKEN_LANGUAGES };

const codes = SPOKEN_LANGUAGES.map((l) => l.code) as [string, ...string[]];

export const ProfileSchema = z.object({
  displayName: z.string({ required_error: "errors.required" }).trim().min(1, "errors.required").max(120, "errors.tooLong"),
  phone: z
    .string()
    .trim()
    .max(40, "errors.tooLong")
    .regex(/^[0-9+()\-.\s]*$/, "errors.phone")
    .optional()
    .transform((p) => p || null),
  languages: z.array(z.enum(codes)).max(SPOKEN_LANGUAGES.length).default([]),
  preferredLanguage: z.enum(["en", "es"]),
});

export type ProfileInput = z.infer<typeof ProfileSchema>;
