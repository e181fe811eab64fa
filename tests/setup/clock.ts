import { afterEach, vi } from "vitest";

afterEach(() => vi.useRealTimers());

/**
 * Takes over the app's clock (`Date`; not the database's, which codes expire by) at noon UTC today,
 * away from the edge of a day, and returns a way to set it `seconds` past that noon. The test's
 * end gives the real clock back.
 */
export function startAppClock() {
  vi.useFakeTimers({ toFake: ["Date"] });
  const noon = new Date();
  noon.setUTCHours(12, 0, 0, 0);
  vi.setSystemTime(noon);
  return (seconds: number) => vi.setSystemTime(noon.getTime() + seconds * 1000);
}
