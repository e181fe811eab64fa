import { beforeAll, describe, expect, it } from "vitest";
import { withSystem } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { formatDayWithYear } from "~/modules/clock/format";
import { createCast } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";
import { addTask } from "./review.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let reportId: string;

beforeAll(async () => {
  cast = await createCast();
  reportId = (await createTestReport(cast.observer_ana)).id;
});

// 05:30 UTC on 8 December is still 7 December in Chicago (23:30) and already 8 December in UTC.
const now = new Date("2026-12-08T05:30:00Z");

async function refusal(dueOn: string, timeZone: string) {
  try {
    await addTask(cast.attorney_luis.claims, reportId, { title: `Call the family (${dueOn}, ${timeZone})`, dueOn, assignedTo: "" }, { timeZone, now });
    return null;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, key: error.messageKey, field: error.field };
    throw error;
  }
}

const saved = (dueOn: string) =>
  withSystem((trx) => trx.selectFrom("report_tasks").select("id").where("report_id", "=", reportId).where("due_on", "=", dueOn).execute());

describe("a task's due date is today or later in the organisation's time zone", () => {
  it("refuses yesterday with a field error, and stores nothing", async () => {
    expect(await refusal("2026-12-06", "America/Chicago")).toEqual({ status: 400, key: "review.errors.taskDuePast", field: "taskDue" });
    expect(await saved("2026-12-06")).toEqual([]);
  });

  it("takes the day from the organisation's clock, not the server's (UTC)", async () => {
    // 7 December is today in Chicago but yesterday in UTC at this instant
    expect(await refusal("2026-12-07", "America/Chicago")).toBeNull();
    expect(await refusal("2026-12-07", "UTC")).toMatchObject({ key: "review.errors.taskDuePast" });
  });

  it("accepts a later date, and no date at all", async () => {
    expect(await refusal("2027-01-15", "America/Chicago")).toBeNull();
    expect(await saved("2027-01-15")).toHaveLength(1);
    expect(await refusal("", "America/Chicago")).toBeNull();
  });

  it("still refuses a day that does not exist with its own message", async () => {
    expect(await refusal("2027-02-30", "America/Chicago")).toMatchObject({ key: "review.errors.taskDue", field: "taskDue" });
  });
});

describe("a due date shows its year", () => {
  it("in English and Spanish", () => {
    expect(formatDayWithYear("2027-01-15T12:00:00Z", "UTC", "en")).toBe("Fri, Jan 15, 2027");
    expect(formatDayWithYear("2027-01-15T12:00:00Z", "UTC", "es")).toBe("vie 15 ene 2027");
  });
});
