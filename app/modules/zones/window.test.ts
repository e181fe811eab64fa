import { describe, expect, it } from "vitest";
import { localDateTime, parseWindow } from "./window";

describe("coverage window", () => {
  const now = new Date("2026-11-26T15:00:00Z");

  it("presets start now", () => {
    const w = parseWindow(new URLSearchParams("preset=12h"), "America/Chicago", now);
    expect([w.from.toISOString(), w.to.toISOString(), w.error]).toEqual(["2026-11-26T15:00:00.000Z", "2026-11-27T03:00:00.000Z", null]);
    expect(parseWindow(new URLSearchParams(""), "America/Chicago", now).to.toISOString()).toBe("2026-11-27T15:00:00.000Z");
  });

  it("reads custom times in the organisation's zone, across a DST change", () => {
    expect(localDateTime("2026-11-26T09:30", "America/Chicago")?.toISOString()).toBe("2026-11-26T15:30:00.000Z");
    expect(localDateTime("2026-07-01T09:30", "America/Chicago")?.toISOString()).toBe("2026-07-01T14:30:00.000Z");
    const w = parseWindow(new URLSearchParams("preset=custom&from=2026-11-01T00:00&to=2026-11-02T00:00"), "America/Chicago", now);
    // 1 November 2026 has 25 hours in Chicago.
    expect((w.to.getTime() - w.from.getTime()) / 3_600_000).toBe(25);
  });

  it("times given without choosing custom mean custom", () => {
    const w = parseWindow(new URLSearchParams("from=2026-11-26T09:30&to=2026-11-26T21:30"), "America/Chicago", now);
    expect([w.preset, w.from.toISOString(), w.error]).toEqual(["custom", "2026-11-26T15:30:00.000Z", null]);
  });

  it("refuses an impossible custom window with a field error", () => {
    for (const q of [
      "preset=custom&from=2026-02-31T10:00&to=2026-03-05T00:00",
      "preset=custom&from=2026-03-01T25:99&to=2026-03-05T00:00",
      "preset=custom&from=0099-03-01T10:00&to=0099-03-02T00:00",
      "preset=custom&from=2026-03-08T02:30&to=2026-03-09T00:00","preset=custom&from=2026-11-02T00:00&to=2026-11-01T00:00", "preset=custom&from=nope&to=2026-11-01T00:00", "preset=custom&from=2026-01-01T00:00&to=2026-03-01T00:00"]) {
      expect(parseWindow(new URLSearchParams(q), "America/Chicago", now).error).toBe("coverage.errors.range");
    }
  });
});
