import { z } from "zod";
import { UUID } from "~/utils/misc";

export const REPORT_STATUSES = ["new", "in_review", "follow_up", "referred", "closed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const VERIFICATIONS = ["unconfirmed", "confirmed", "false_alarm"] as const;
export const URGENCIES = ["critical", "high", "medium", "low"] as const;
export const AGENCIES = ["ice_ero", "hsi", "cbp", "other_dhs", "fbi", "local_police", "unknown"] as const;
export const WARRANTS = ["none", "administrative", "judicial", "unknown"] as const;
export const SORTS = ["urgency", "newest", "occurred"] as const;
export type QueueSort = (typeof SORTS)[number];

/** The next page starts after this row: its sort key, its time and its id. */
export interface QueueCursor {
  k?: string;
  t: string;
  id: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

// Made when a cursor is read (on the server): pages that only use the lists above then do not
// download zod (docs/decisions/009-performance-budgets.md).
const cursorSchema = () =>
  z.object({
    k: z.enum(URGENCIES).optional(),
    t: z.string().datetime({ offset: true }),
    id: z.string().regex(UUID),
  });

export function encodeCursor(cursor: QueueCursor): string {
  const json = JSON.stringify(cursor);
  return typeof btoa === "function"
    ? btoa(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
    : Buffer.from(json).toString("base64url");
}

export function decodeCursor(text: string | null): QueueCursor | null {
  if (!text || text.length > 400) return null;
  try {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/");
    const json = typeof atob === "function" ? atob(padded) : Buffer.from(text, "base64url").toString("utf8");
    const parsed = cursorSchema().safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface QueueFilters {
  status: ReportStatus[];
  verification: (typeof VERIFICATIONS)[number] | null;
  urgency: (typeof URGENCIES)[number][];
  zone: string | null;
  agency: (typeof AGENCIES)[number] | null;
  warrant: (typeof WARRANTS)[number] | null;
  from: string | null;
  to: string | null;
  assigned: "me" | "none" | null;
  sort: QueueSort;
  after: QueueCursor | null;
}

const oneOf = <T extends readonly string[]>(values: T, value: string | null): T[number] | null =>
  value !== null && (values as readonly string[]).includes(value) ? (value as T[number]) : null;
const manyOf = <T extends readonly string[]>(values: T, list: string[]): T[number][] =>
  [...new Set(list)].filter((v): v is T[number] => (values as readonly string[]).includes(v));
const validDay = (value: string | null) => {
  if (!value || !DAY.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : value;
};

/**
 * The queue's filters from the URL (so a view can be shared). Anything unknown is ignored rather
 * than refused: a stale or hand-edited link still opens the queue.
 */
export function parseQueueFilters(params: URLSearchParams): QueueFilters {
  // An impossible range (from after to) is kept as typed: `filterErrors` says so at the field.
  const from = validDay(params.get("from"));
  const to = validDay(params.get("to"));
  const sort = oneOf(SORTS, params.get("sort")) ?? "urgency";
  const after = decodeCursor(params.get("after"));
  return {
    status: manyOf(REPORT_STATUSES, params.getAll("status")),
    verification: oneOf(VERIFICATIONS, params.get("verification")),
    urgency: manyOf(URGENCIES, params.getAll("urgency")),
    zone: UUID.test(params.get("zone") ?? "") ? params.get("zone") : null,
    agency: oneOf(AGENCIES, params.get("agency")),
    warrant: oneOf(WARRANTS, params.get("warrant")),
    from,
    to,
    assigned: oneOf(["me", "none"] as const, params.get("assigned")),
    sort,
    // a cursor from another sort order would skip rows
    after: after && (sort === "urgency") === Boolean(after.k) ? after : null,
  };
}

/** Field errors of filters that cannot match anything (i18n keys, by field name), or null. */
export function filterErrors(filters: Pick<QueueFilters, "from" | "to">): Record<string, string[]> | null {
  return filters.from && filters.to && filters.from > filters.to ? { to: ["reviewFilters.toBeforeFrom"] } : null;
}

/** The URL query for filters (without the cursor unless asked), in a stable order. */
export function queueSearch(filters: QueueFilters, extra: Record<string, string | null> = {}): string {
  const params = new URLSearchParams();
  for (const s of filters.status) params.append("status", s);
  if (filters.verification) params.set("verification", filters.verification);
  for (const u of filters.urgency) params.append("urgency", u);
  if (filters.zone) params.set("zone", filters.zone);
  if (filters.agency) params.set("agency", filters.agency);
  if (filters.warrant) params.set("warrant", filters.warrant);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (filters.assigned) params.set("assigned", filters.assigned);
  if (filters.sort !== "urgency") params.set("sort", filters.sort);
  for (const [key, value] of Object.entries(extra)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
