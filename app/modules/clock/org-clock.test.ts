import { describe, expect, it } from "vitest";
import { formatDay, formatShiftTime, formatTime, localDate, localDateTime, localDateTimeValue } from "./format";
import { orgClock } from "./org-clock";

describe("orgClock", () => {
  it("binds the time zone and the language, and prints what the unbound formatters print", () => {
    const clock = orgClock("America/Chicago", "es");
    const at = "2026-11-27T00:30:00Z";
    const end = "2026-11-27T04:00:00Z";
    expect(clock.timeZone).toBe("America/Chicago");
    expect(clock.formatTime(at)).toBe(formatTime(at, "America/Chicago", "es"));
    expect(clock.formatDay(at, true)).toBe(formatDay(at, "America/Chicago", "es", true));
    expect(clock.formatShiftTime(at, end, true)).toBe(formatShiftTime(at, end, "America/Chicago", "es", true));
    // 18:30 on the 26th in Chicago, not the 27th of UTC.
    expect(clock.localDate(at)).toBe("2026-11-26");
    expect(clock.localDate(at)).toBe(localDate(at, "America/Chicago"));
    expect(clock.localDateTimeValue(at)).toBe(localDateTimeValue(at, "America/Chicago"));
    expect(clock.localDateTime("2026-11-26T18:30")?.toISOString()).toBe(localDateTime("2026-11-26T18:30", "America/Chicago")?.toISOString());
  });
});
