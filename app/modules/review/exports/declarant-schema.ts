import { z } from "zod";

/** What the author chooses before generating the declaration of their own report (issue 19, item 4). */
export const DeclarantSchema = z.object({
  name: z.string({ required_error: "declaration.errors.name" }).trim().min(1, "declaration.errors.name").max(120, "declaration.errors.nameTooLong"),
  place: z
    .string()
    .trim()
    .max(120, "declaration.errors.placeTooLong")
    .optional()
    .transform((p) => p || null),
  language: z.enum(["en", "es"], { errorMap: () => ({ message: "declaration.errors.language" }) }),
  saveName: z
    .literal("on")
    .optional()
    .transform((v) => v === "on"),
});

export type DeclarantInput = z.infer<typeof DeclarantSchema>;
