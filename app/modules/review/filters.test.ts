import { describe, expect, it } from "vitest";
import { filterErrors, parseQueueFilters } from "./filters";

const parse = (query: string) => parseQueueFilters(new URLSearchParams(query));

describe("review filters that cannot match", () => {
  it("keeps a range from after to as typed and says so at the “to” field", () => {
    const filters = parse("from=2026-12-05&to=2026-12-01");
    expect(filters).toMatchObject({ from: "2026-12-05", to: "2026-12-01" });
    expect(filterErrors(filters)).toEqual({ to: ["reviewFilters.toBeforeFrom"] });
  });

  it("has no error for a possible range, one day, or an open end", () => {
    for (const query of ["from=2026-12-01&to=2026-12-05", "from=2026-12-01&to=2026-12-01", "from=2026-12-01", "to=2026-12-01", ""]) {
      expect(filterErrors(parse(query)), query).toBeNull();
    }
  });

  it("ignores days that do not exist rather than refusing the link", () => {
    expect(filterErrors(parse("from=2026-02-30&to=2026-01-01"))).toBeNull();
  });
});
