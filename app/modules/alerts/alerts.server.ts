import { type Claims, readAsPublic, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, guarded } from "~/db/errors.server";
import { UUID } from "~/utils/misc";
import type { AlertKind, PublicAlert } from "./alerts";
import { PUBLIC_TEXT_MAX, textWarnings, type TextWarning } from "./text-warnings";

/** The most alerts the page and the feed carry: the newest. */
export const FEED_LIMIT = 50;

interface VisibleRow {
  id: string;
  kind: AlertKind;
  zone_name: string;
  agencies: string[];
  activities: string[];
  occurred_at: Date;
  public_text: string;
  shown_at: Date;
}

/** The alerts anyone may see now, newest first: read as `anon`, through the one function it may run. */
export async function visibleAlerts(limit = FEED_LIMIT): Promise<PublicAlert[]> {
  const n = Math.max(0, Math.min(FEED_LIMIT, Math.trunc(limit)));
  const rows = await readAsPublic<VisibleRow>(`select * from community.visible_alerts(${n})`);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    zoneName: r.zone_name,
    agencies: r.agencies,
    activities: r.activities,
    occurredAt: new Date(r.occurred_at).toISOString(),
    publicText: r.public_text,
    shownAt: new Date(r.shown_at).toISOString(),
  }));
}

/** The public text as typed, checked: trimmed, 1–280 characters. */
export function parsePublicText(raw: FormDataEntryValue | null): string {
  const text = typeof raw === "string" ? raw.replace(/\r\n/g, "\n").trim() : "";
  if (!text) throw new DomainError(400, "alerts.errors.textRequired", "publicText");
  if (text.length > PUBLIC_TEXT_MAX) throw new DomainError(400, "alerts.errors.textTooLong", "publicText");
  return text;
}

export interface PublishInput {
  text: string;
  /** The publisher ticked "I checked it" for the warnings the text raised. */
  warningsConfirmed: boolean;
}

/**
 * Warnings a text raises; refuses to publish one that raises any unless the publisher confirmed them.
 */
export function checkWarnings(input: PublishInput): TextWarning[] {
  const warnings = textWarnings(input.text);
  if (warnings.length && !input.warningsConfirmed) throw new DomainError(400, "alerts.errors.confirmWarnings", "confirmWarnings");
  return warnings;
}

/** Publishes an alert for a report; the database copies the public facts and audits it. */
export async function publishAlert(claims: Claims, reportId: string, input: PublishInput): Promise<string> {
  if (!UUID.test(reportId)) throw new DomainError(404, "errors.notFound");
  const warnings = checkWarnings(input);
  return guarded(
    () =>
      withUser(claims, async (trx) => {
        // The rest of the row is the database's to fill (private.community_alert_publish).
        const { rows } = await sql<{ id: string }>`
          insert into public.community_alerts (report_id, public_text, warnings_confirmed)
          values (${reportId}::uuid, ${input.text}, ${warnings.length > 0})
          returning id`.execute(trx);
        return rows[0]!.id;
      }),
    {
      also: (error) => (error.constraint === "community_alerts_live_idx" ? new DomainError(409, "alerts.errors.alreadyPublished") : undefined),
    },
  );
}

/** Takes an alert down at once; audited by the database. */
export async function unpublishAlert(claims: Claims, reportId: string, alertId: string): Promise<void> {
  if (!UUID.test(alertId) || !UUID.test(reportId)) throw new DomainError(404, "errors.notFound");
  const updated = await guarded(() =>
    withUser(claims, (trx) =>
      trx
        .updateTable("community_alerts")
        .set({ unpublished_at: sql`now()` })
        .where("id", "=", alertId)
        .where("report_id", "=", reportId)
        .returning("id")
        .executeTakeFirst(),
    ),
  );
  if (!updated) throw new DomainError(404, "errors.notFound");
}

/** A report's community alerts and the delay a new one waits, for whoever may publish (RLS decides). */
export async function alertsOfReport(claims: Claims, reportId: string) {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{ alerts: { id: string; kind: AlertKind; show_from: string; expires_at: string; published_at: string; unpublished_at: string | null }[]; delay: number }>`
      select coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'show_from', a.show_from, 'expires_at', a.expires_at,
                                                          'published_at', a.published_at, 'unpublished_at', a.unpublished_at)
                                        order by a.published_at desc)
                       from public.community_alerts a where a.report_id = ${reportId}::uuid), '[]'::jsonb) as alerts,
             (select s.alert_delay_minutes from public.org_settings s) as delay`.execute(trx),
  );
  const iso = (d: string) => new Date(d).toISOString();
  const row = rows[0]!;
  return {
    delayMinutes: row.delay,
    rows: row.alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      showFrom: iso(a.show_from),
      expiresAt: iso(a.expires_at),
      publishedAt: iso(a.published_at),
      unpublishedAt: a.unpublished_at ? iso(a.unpublished_at) : null,
    })),
  };
}
