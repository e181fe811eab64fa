import { describe, expect, it } from "vitest";
import { applyLiveEvent, parseLiveEvent, type BoardState, type LiveEvent } from "./board";
import { resumePoint } from "./resume";

describe("resumePoint", () => {
  it("prefers the browser's Last-Event-ID over ?after=, and refuses anything but an id", () => {
    expect(resumePoint("42", "7")).toBe(42n);
    expect(resumePoint(null, "7")).toBe(7n);
    expect(resumePoint("", "")).toBeNull();
    expect(resumePoint(null, null)).toBeNull();
    for (const bad of ["-1", "1e3", "abc", "1; drop table", "9".repeat(19)]) expect(resumePoint(bad, null)).toBe("invalid");
  });
});

const empty: BoardState = { cursor: "10", observers: [], reports: [], shortShifts: [], alerts: [], dispatches: [] };
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const checkedIn = (id: string, assignment: number, kind: "checked_in" | "checked_out" = "checked_in"): LiveEvent => ({
  id,
  at: new Date().toISOString(),
  kind,
  zoneId: uuid(1),
  shiftId: uuid(2),
  reportId: null,
  payload: {
    assignment_id: uuid(assignment), shift_id: uuid(2), zone_id: uuid(1), zone_name: "Pilsen", observer_name: "Ana",
    observer_phone: null, starts_at: "2026-11-26T12:00:00Z", ends_at: "2026-11-26T16:00:00Z", checked_in_at: "2026-11-26T12:01:00Z",
  },
});

describe("applyLiveEvent", () => {
  it("applies each event once: replays and events older than the snapshot change nothing", () => {
    const once = applyLiveEvent(empty, checkedIn("11", 3));
    expect(once.observers).toHaveLength(1);
    expect(applyLiveEvent(once, checkedIn("11", 3))).toBe(once);
    expect(applyLiveEvent(empty, checkedIn("9", 4))).toBe(empty);
    const out = applyLiveEvent(once, checkedIn("12", 3, "checked_out"));
    expect(out.observers).toEqual([]);
    expect(out.cursor).toBe("12");
  });

  it("skips a payload it does not understand, keeping the rest", () => {
    const broken = { ...checkedIn("11", 3), payload: { nonsense: true } };
    expect(applyLiveEvent(empty, broken)).toMatchObject({ cursor: "11", observers: [] });
    expect(parseLiveEvent("not json")).toBeNull();
    expect(parseLiveEvent(JSON.stringify({ id: "x", kind: "checked_in", payload: {} }))).toBeNull();
    expect(parseLiveEvent(JSON.stringify({ id: "5", kind: "something_else", payload: {} }))).toBeNull();
    expect(parseLiveEvent(JSON.stringify(checkedIn("5", 1)))?.id).toBe("5");
  });
});
