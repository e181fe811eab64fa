/**
 * Where a stream resumes: the Last-Event-ID header (sent by the browser on a reconnect) wins over
 * `?after=` (the page snapshot's position). Null: from now on. "invalid": not an event id.
 */
export function resumePoint(lastEventId: string | null, after: string | null): bigint | null | "invalid" {
  const value = lastEventId?.trim() || after?.trim() || "";
  if (value === "") return null;
  if (!/^\d{1,18}$/.test(value)) return "invalid";
  return BigInt(value);
}
