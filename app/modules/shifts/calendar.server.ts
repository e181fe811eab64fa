import { createHash, randomBytes } from "node:crypto";
import { createEvents, type EventAttributes } from "ics";
import { type Claims, readAsUser, sql, withSystem, withUser } from "~/db/client.server";

const hash = (token: string) => createHash("sha256").update(token).digest("hex");
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Makes a new secret feed link, replacing any earlier one. Only its hash is stored. */
export async function createCalendarToken(claims: Claims): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await withUser(claims, (trx) => sql`select private.set_calendar_token(${hash(token)})`.execute(trx));
  return token;
}

export async function revokeCalendarToken(claims: Claims) {
  await withUser(claims, (trx) => sql`select private.revoke_calendar_token()`.execute(trx));
}

/** When the person's current feed link was made, or null when they have none. */
export async function calendarTokenCreatedAt(claims: Claims): Promise<string | null> {
  const { rows } = await readAsUser(claims, (trx) => sql<{ at: Date | null }>`select private.has_calendar_token() as at`.execute(trx));
  return rows[0]?.at ? new Date(rows[0].at).toISOString() : null;
}

const toUtcArray = (d: Date): [number, number, number, number, number] => [
  d.getUTCFullYear(),
  d.getUTCMonth() + 1,
  d.getUTCDate(),
  d.getUTCHours(),
  d.getUTCMinutes(),
];

/** `ics` writes DTSTAMP from `timestamp` (its default is now); its types leave the field out. */
type FeedEvent = EventAttributes & { timestamp: number };

export interface FeedText {
  calendarName: string;
  summary: (zone: string) => string;
  cancelled: string;
  waitlisted: string;
  meetingPoint: string;
}

/**
 * The person's shifts as iCalendar text, or null for an unknown or revoked token. Times are UTC
 * instants (DTSTART…Z), which every calendar shows in its own zone; X-WR-TIMEZONE names ours.
 * Nothing about other observers is in it.
 */
export async function calendarFeed(token: string, appUrl: string, text: (language: string) => FeedText): Promise<string | null> {
  if (!TOKEN.test(token)) return null;
  // The token stands in for a session: find whose it is, then read as that person under RLS.
  const owner = await withSystem(async (trx) => {
    const { rows } = await sql<{ user_id: string; email: string; preferred_language: string; time_zone: string }>`
      select t.user_id, p.email, p.preferred_language, o.time_zone
      from private.calendar_tokens t
      join public.profiles p on p.id = t.user_id and p.deactivated_at is null
      cross join public.org_settings o
      where t.token_hash = ${hash(token)}`.execute(trx);
    return rows[0] ?? null;
  });
  if (!owner) return null;
  const claims: Claims = { sub: owner.user_id, email: owner.email, role: "authenticated" };
  const rows = await withUser(claims, (trx) =>
    trx
      .selectFrom("shift_assignments as a")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .select(["a.id", "a.seq", "a.status", "a.updated_at", "s.updated_at as shift_updated_at", "s.id as shift_id", "s.starts_at", "s.ends_at", "s.cancelled_at", "s.notes", "z.name", "z.meeting_point_note"])
      .where("a.observer_id", "=", owner.user_id)
      .where((eb) => eb.or([eb("a.status", "<>", "cancelled"), eb("s.cancelled_at", "is not", null)]))
      // A week of history at most: a seized phone or calendar account should not tell months of places.
      .where("s.ends_at", ">", new Date(Date.now() - 7 * 86_400_000))
      .orderBy("s.starts_at")
      .orderBy("a.seq")
      .limit(1000)
      .execute(),
  );
  const words = text(owner.preferred_language);
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) latest.set(r.shift_id, r); // one event per shift: the person's latest assignment
  const events: FeedEvent[] = [...latest.values()]
    .filter((r) => r.status !== "cancelled" || r.cancelled_at !== null)
    .map((r) => {
      const cancelled = r.cancelled_at !== null;
      // The latest change to the person's place or to the shift itself (a new time, a cancellation).
      const revised = new Date(Math.max(new Date(r.updated_at).getTime(), new Date(r.shift_updated_at).getTime()));
      const waitlisted = r.status === "waitlisted";
      const details = [
        cancelled ? words.cancelled : waitlisted ? words.waitlisted : "",
        r.meeting_point_note ? `${words.meetingPoint}: ${r.meeting_point_note}` : "",
        r.notes,
        `${appUrl}/shifts/${r.shift_id}`,
      ].filter(Boolean);
      return {
        uid: `${r.id}@testigo`,
        start: toUtcArray(new Date(r.starts_at)),
        startInputType: "utc",
        startOutputType: "utc",
        end: toUtcArray(new Date(r.ends_at)),
        endInputType: "utc",
        endOutputType: "utc",
        title: `${waitlisted ? "(?) " : ""}${words.summary(r.name)}`,
        description: details.join("\n"),
        location: r.name,
        url: `${appUrl}/shifts/${r.shift_id}`,
        status: cancelled ? "CANCELLED" : waitlisted ? "TENTATIVE" : "CONFIRMED",
        // Changes (a new time, a cancellation, a promotion) must replace the event in the person's
        // calendar: a higher SEQUENCE, and DTSTAMP/LAST-MODIFIED at the revision (RFC 5545: without
        // METHOD, DTSTAMP is the last revision), so a feed read twice without a change is the same.
        sequence: Math.floor(revised.getTime() / 1000) % 2_000_000_000,
        timestamp: revised.getTime(),
        lastModified: revised.getTime(),
        busyStatus: waitlisted ? "TENTATIVE" : "BUSY",
      } satisfies FeedEvent;
    });
  const result = createEvents(events, { calName: words.calendarName, productId: "-//Testigo//Shifts//EN" });
  if (result.error || !result.value) throw result.error ?? new Error("calendar could not be built");
  return result.value.replace(/^(X-WR-CALNAME:.*)$/m, `$1\r\nX-WR-TIMEZONE:${owner.time_zone}`);
}
