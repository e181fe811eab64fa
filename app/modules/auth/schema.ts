import { z } from "zod";
import { emailField } from "~/modules/people/schema";

export const LoginSchema = z.object({
  email: emailField,
  redirectTo: z.string().optional(),
});

export const VerifySchema = z.object({
  code: z
    .string({ required_error: "errors.code" })
    .transform((c) => c.replace(/\s+/g, ""))
    .pipe(z.string().regex(/^\d{6}$/, "errors.code")),
  redirectTo: z.string().optional(),
});
