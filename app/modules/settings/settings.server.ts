import { type Claims, querySystem, readAsUser, withUser } from "~/db/client.server";
import { watchChannel, type ChannelWatch } from "~/db/watch.server";
import { DEFAULT_TIME_ZONE } from "~/modules/clock/org-clock";
import { DEFAULT_QUICK_EXIT_URL, type SettingsInput } from "./schema";

export interface OrgSettings {
  name: string;
  timeZone: string;
  hotlineNumber: string;
  mapTileUrl: string;
  mapAttribution: string;
  trainingValidMonths: number;
  mediaMaxMb: number;
  retentionDays: number;
  /** The language invitations are written in unless the inviter picks another. */
  defaultLanguage: "en" | "es";
  /** Community alerts: a confirmed incident appears this long after it happened; alerts stay this long. */
  alertDelayMinutes: number;
  alertExpiryDays: number;
  /** Where "Quick exit" leaves for (only ever navigated to by the observer's browser). */
  quickExitUrl: string;
  /** How long a report's draft may stay on a phone. */
  draftTtlHours: number;
}

export type PublicSettings = Pick<OrgSettings, "name" | "hotlineNumber" | "mapTileUrl" | "mapAttribution" | "timeZone" | "quickExitUrl" | "draftTtlHours">;

/** Where a change of org_settings is announced (migration 20261206080000_request_pipeline.sql). */
const SETTINGS_CHANNEL = "testigo_settings";

let cached: Promise<PublicSettings> | null = null;
let watch: ChannelWatch | null = null;

/**
 * Facts every page needs (name, hotline, map tiles), readable before sign-in too. Kept per
 * instance: every instance LISTENs for changes and forgets; while it cannot listen, it reads
 * every time. They are the same for everyone, so nothing RLS decides per person is cached.
 */
export function publicSettings(): Promise<PublicSettings> {
  watch ??= watchChannel(SETTINGS_CHANNEL, () => {
    cached = null;
  });
  if (!watch.listening) return readPublicSettings();
  if (!cached) {
    const reading = readPublicSettings();
    cached = reading;
    reading.catch(() => {
      if (cached === reading) cached = null;
    });
  }
  return cached;
}

/** Stops listening for settings changes (shutdown, tests). */
export async function stopSettingsWatch() {
  const current = watch;
  watch = null;
  cached = null;
  await current?.stop();
}

async function readPublicSettings(): Promise<PublicSettings> {
  const [row] = await querySystem<{
    name: string;
    hotline_number: string;
    map_tile_url: string;
    map_attribution: string;
    time_zone: string;
    quick_exit_url: string;
    draft_ttl_hours: number;
  }>("select name, hotline_number, map_tile_url, map_attribution, time_zone, quick_exit_url, draft_ttl_hours from public.org_settings limit 1");
  return {
    name: row?.name ?? "Testigo",
    hotlineNumber: row?.hotline_number ?? "",
    mapTileUrl: row?.map_tile_url ?? "",
    mapAttribution: row?.map_attribution ?? "",
    timeZone: row?.time_zone ?? DEFAULT_TIME_ZONE,
    quickExitUrl: row?.quick_exit_url ?? DEFAULT_QUICK_EXIT_URL,
    draftTtlHours: row?.draft_ttl_hours ?? 24,
  };
}

export async function readSettings(claims: Claims): Promise<OrgSettings> {
  const row = await readAsUser(claims, (trx) => trx.selectFrom("org_settings").selectAll().executeTakeFirstOrThrow());
  return {
    name: row.name,
    timeZone: row.time_zone,
    hotlineNumber: row.hotline_number,
    mapTileUrl: row.map_tile_url,
    mapAttribution: row.map_attribution,
    trainingValidMonths: row.training_valid_months,
    mediaMaxMb: row.media_max_mb,
    retentionDays: row.retention_days,
    defaultLanguage: row.default_language === "es" ? "es" : "en",
    alertDelayMinutes: row.alert_delay_minutes,
    alertExpiryDays: row.alert_expiry_days,
    quickExitUrl: row.quick_exit_url,
    draftTtlHours: row.draft_ttl_hours,
  };
}

export async function updateSettings(claims: Claims, input: SettingsInput) {
  const updated = await withUser(claims, (trx) =>
    trx
      .updateTable("org_settings")
      .set({
        name: input.name,
        time_zone: input.timeZone,
        hotline_number: input.hotlineNumber,
        map_tile_url: input.mapTileUrl ?? "",
        map_attribution: input.mapAttribution,
        training_valid_months: input.trainingValidMonths,
        media_max_mb: input.mediaMaxMb,
        retention_days: input.retentionDays,
        default_language: input.defaultLanguage,
        alert_delay_minutes: input.alertDelayMinutes,
        alert_expiry_days: input.alertExpiryDays,
        // Left as they are when the form did not carry them.
        ...(input.quickExitUrl === undefined ? {} : { quick_exit_url: input.quickExitUrl }),
        ...(input.draftTtlHours === undefined ? {} : { draft_ttl_hours: input.draftTtlHours }),
      })
      .where("id", "=", true)
      .returning("id")
      .executeTakeFirst(),
  );
  // This instance forgets at once; the others when the notification reaches them.
  cached = null;
  if (!updated) throw new Response("Forbidden", { status: 403 });
}
