import { parseWithZod } from "@conform-to/zod";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loginProblems, verifyProblems } from "./quick-checks";
import { requiredMessage } from "~/utils/field-messages";
import { LoginSchema, VerifySchema } from "./schema";

const form = (entries: Record<string, string | undefined>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) data.set(k, v);
  return data;
};
const payload = (data: FormData) => Object.fromEntries(data.entries());

/** Strings like what people type into these fields: letters, digits, spaces, "@", dots, unicode. */
const typed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[ a-zA-Z0-9@._+-]{0,30}$/),
  fc.stringMatching(/^[ 0-9]{0,12}$/),
  fc.constantFrom("", " ", "a@b", "a@b.co", " ana@example.org ", "not-an-email", "123 456", "1234567", "x".repeat(260)),
);

describe("the sign-in forms' checks in the browser", () => {
  it("refuse only what the server's schema refuses, with the same message", () => {
    fc.assert(
      fc.property(fc.option(typed, { nil: undefined }), (email) => {
        const data = form({ email });
        const quick = loginProblems(payload(data));
        const server = parseWithZod(data, { schema: LoginSchema });
        if (quick) expect(server.status === "error" ? server.error?.email : "accepted").toEqual(quick.email);
      }),
      { numRuns: 2000 },
    );
  });

  it("check the code as the server does (a field of spaces only is left to it)", () => {
    fc.assert(
      fc.property(fc.option(typed, { nil: undefined }), (code) => {
        const data = form({ code });
        const quick = verifyProblems(payload(data));
        const server = parseWithZod(data, { schema: VerifySchema });
        const serverSays = server.status === "error" ? (server.error?.code ?? null) : null;
        if (quick || code === undefined || code.trim() !== "") expect(quick?.code ?? null).toEqual(serverSays);
      }),
      { numRuns: 2000 },
    );
  });

  it("catch the usual mistakes", () => {
    expect(loginProblems({ email: "" })).toEqual({ email: [requiredMessage("people.email")] });
    expect(loginProblems({ email: "not-an-email" })).toEqual({ email: ["errors.email"] });
    expect(loginProblems({ email: "ana@example.org" })).toBeNull();
    expect(verifyProblems({ code: "123 456" })).toBeNull();
    expect(verifyProblems({ code: "12345" })).toEqual({ code: ["errors.code"] });
  });
});
