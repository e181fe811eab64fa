import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeRedirect } from "./misc";

const BASE = "http://testigo.invalid";
/** Where a browser goes when it is sent `location` from a page of this origin. */
const followed = (location: string) => new URL(location, `${BASE}/login`);

describe("safeRedirect", () => {
  it.each([
    ["/admin/people", "/admin/people"],
    ["/shifts?day=2026-11-26#top", "/shifts?day=2026-11-26#top"],
    ["//evil.example/x", "/"],
    ["/\\evil.example", "/"],
    ["/\t/evil.example/x", "/"],
    ["/\n/evil.example", "/"],
    ["https://evil.example", "/"],
    ["javascript:alert(1)", "/"],
    // The security review's cases: each resolves to a path starting with "//".
    ["/.//evil.example/x", "/"],
    ["/..//evil.example", "/"],
    ["/%2e//evil.example", "/"],
    ["/.\\\\evil.example", "/"],
    ["/.\\evil.example", "/evil.example"],
    ["/a/../..//evil.example", "/"],
    ["/reports/../shifts", "/shifts"],
    ["", "/"],
    [null, "/"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });

  it("only ever returns a path that keeps a browser on this origin, and is stable (fast-check)", () => {
    const tricky = fc.constantFrom("/", "//", "\\", ".", "..", "%2e", "%2E", "%2f", "%5c", "\t", "\n", "\r", " ", "@", ":", "?", "#", "evil.example", "http:", "a");
    const crafted = fc.array(tricky, { maxLength: 12 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.oneof(crafted, fc.string(), fc.webUrl(), fc.webPath()), (input) => {
        const out = safeRedirect(input);
        expect(out.startsWith("/")).toBe(true);
        expect(out).not.toMatch(/^\/[\\/]/);
        expect(followed(out).origin).toBe(BASE);
        expect(safeRedirect(out)).toBe(out);
      }),
      { numRuns: 5000 },
    );
  });
});
