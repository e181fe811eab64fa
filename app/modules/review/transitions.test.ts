import { describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { TRANSITIONS } from "./review.server";

describe("the status workflow", () => {
  it("offers in the app exactly the transitions the database allows", async () => {
    const { rows } = await withSystem((trx) =>
      sql<{ from_status: string; to_status: string }>`select from_status, to_status from private.report_transitions order by 1, 2`.execute(trx),
    );
    const fromDb = rows.map((r) => `${r.from_status}>${r.to_status}`).sort();
    const fromApp = Object.entries(TRANSITIONS)
      .flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`))
      .sort();
    expect(fromDb.length).toBeGreaterThan(5);
    expect(fromApp).toEqual(fromDb);
  });
});
