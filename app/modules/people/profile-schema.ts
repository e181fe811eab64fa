import { z } from "zod";

/** Languages observers commonly speak in our cities, each named in itself. */
export const SPOKEN_LANGUAGES = [
  { code: "en", name: "English" },
  { code: "es", name: "Español" },
  { code: "pt", name: "Português" },
  { code: "fr", name: "Français" },
  { code: "ht", name: "Kreyòl ayisyen" },
  { code: "ar", name: "العربية" },
  { code: "zh", name: "中文" },
  { code: "pl", name: "Polski" },
  { code: "tl", name: "Tagalog" },
  { code: "uk", name: "Українська" },
] as const;

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
