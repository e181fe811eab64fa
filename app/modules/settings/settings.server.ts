import { withUser, withSystem, type Claims } from "~/db/client.server";
import { DEFAULT_TIME_ZONE } from "~/modules/clock/org-clock";
import type { SettingsInput } from "./schema";

export interface OrgSettings {
  name: string;
  timeZone: string;
  hotlineNumber: string;
  mapTileUrl: string;
  mapAttribution: string;
  trainingValidMonths: number;
  mediaMaxMb: number;
  retentionDays: number;
}

/** Facts every page needs (name, hotline, map tiles), readable before sign-in too. */
export async function publicSettings(): Promise<Pick<OrgSettings, "name" | "hotlineNumber" | "mapTileUrl" | "mapAttribution" | "timeZone">> {
  const row = await withSystem((trx) =>
    trx
      .selectFrom("org_settings")
      .select(["name", "hotline_number", "map_tile_url", "map_attribution", "time_zone"])
      .executeTakeFirst(),
  );
  return {
    name: row?.name ?? "Testigo",
    hotlineNumber: row?.hotline_number ?? "",
    mapTileUrl: row?.map_tile_url ?? "",
    mapAttribution: row?.map_attribution ?? "",
    timeZone: row?.time_zone ?? DEFAULT_TIME_ZONE,
  };
}

export async function readSettings(claims: Claims): Promise<OrgSettings> {
  const row = await withUser(claims, (trx) => trx.selectFrom("org_settings").selectAll().executeTakeFirstOrThrow());
  return {
    name: row.name,
    timeZone: row.time_zone,
    hotlineNumber: row.hotline_number,
    mapTileUrl: row.map_tile_url,
    mapAttribution: row.map_attribution,
    trainingValidMonths: row.training_valid_months,
    mediaMaxMb: row.media_max_mb,
    retentionDays: row.retention_days,
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
      })
      .where("id", "=", true)
      .returning("id")
      .executeTakeFirst(),
  );
  if (!updated) throw new Response("Forbidden", { status: 403 });
}
