import { describe, expect, it } from "vitest";
import { safeRedirect } from "./misc";

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
    ["", "/"],
    [null, "/"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});
