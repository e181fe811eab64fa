/**
 * What the browser checks on the sign-in forms before sending them: a part of LoginSchema and
 * VerifySchema (./schema), with the same messages, without zod (13 KB on the first page anyone
 * opens; docs/decisions/009-performance-budgets.md). Whatever these refuse, the schemas refuse
 * with the same message (quick-checks.test.ts); anything subtler is left to the server.
 */
import { requiredMessage } from "~/utils/field-messages";

type Problems = Record<string, string[]> | null;

/** An empty field, or an address without "@". */
export function loginProblems(payload: Record<string, unknown>): Problems {
  const email = payload.email;
  if (typeof email !== "string" || email === "") return { email: [requiredMessage("people.email")] };
  const trimmed = email.trim();
  if (trimmed.length <= 254 && !trimmed.includes("@")) return { email: ["errors.email"] };
  return null;
}

/** Six digits, spaces allowed: VerifySchema's rule (a field of spaces only is left to the server). */
export function verifyProblems(payload: Record<string, unknown>): Problems {
  const code = payload.code;
  if (typeof code === "string" && code !== "" && code.trim() === "") return null;
  if (typeof code !== "string" || !/^\d{6}$/.test(code.replace(/\s+/g, ""))) return { code: ["errors.code"] };
  return null;
}

/** For Conform's `parse`: `parse(formData, { resolve: resolveWith<Fields>(loginProblems) })`. */
export const resolveWith =
  <Value>(problems: (payload: Record<string, unknown>) => Problems) =>
  (payload: Record<string, unknown>): { value?: Value; error?: Record<string, string[]> } => {
    const error = problems(payload);
    return error ? { error } : { value: payload as Value };
  };
