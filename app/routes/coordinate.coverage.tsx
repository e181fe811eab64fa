import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { requireRole } from "~/modules/auth/guards.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { gapsOf, staffingOf, type Staffing } from "~/modules/zones/coverage";
import { coverageForWindow } from "~/modules/zones/coverage.server";
import { parseWindow } from "~/modules/zones/window";
import { localDateTimeValue } from "~/modules/clock/format";
import type { RootLoader, RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "coverage.title" };
export const links: LinksFunction = () => mapLinks();

/** Fills that differ in lightness as well as hue, always paired with text (legend, tooltip, list). */
const FILL: Record<Staffing, string> = { uncovered: "#7f1d1d", partly: "#f59e0b", full: "#bbf7d0" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const { timeZone } = await publicSettings();
  const url = new URL(request.url);
  const window = parseWindow(url.searchParams, timeZone);
  const coverage = await coverageForWindow(user.claims, window);
  return {
    window: { preset: window.preset, from: window.from.toISOString(), to: window.to.toISOString(), error: window.error },
    query: { from: url.searchParams.get("from") ?? "", to: url.searchParams.get("to") ?? "" },
    timeZone,
    ...coverage,
    gaps: gapsOf(coverage.zones),
  };
}

export default function Coverage() {
  const { t, i18n } = useTranslation();
  const { window, query, timeZone, zones, gaps, hasShifts } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const format = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { timeZone, dateStyle: "medium", timeStyle: "short" });
  const hours = (minutes: number) => Math.round((minutes / 60) * 10) / 10;
  const createLink = (zoneId: string) => {
    // The window's start (to the next quarter hour) and, when one shift can span it, its end.
    const quarter = 15 * 60_000;
    const from = Math.ceil(new Date(window.from).getTime() / quarter) * quarter;
    const to = new Date(window.to).getTime();
    const [date, start] = localDateTimeValue(new Date(from), timeZone).split("T") as [string, string];
    const end = to - from < 24 * 3_600_000 && to > from ? localDateTimeValue(new Date(Math.floor(to / quarter) * quarter), timeZone).split("T")[1] : undefined;
    const params = new URLSearchParams({ zone: zoneId, date, start, week: date, ...(end && end !== start ? { end } : {}) });
    return `/coordinate/shifts?${params}#create-title`;
  };

  return (
    <div className="stack">
      <h1>{t("coverage.title")}</h1>
      <Form method="get" className="card" aria-labelledby="window-title">
        <fieldset>
          <legend id="window-title">{t("coverage.window")}</legend>
          <div className="checks">
            {(["12h", "24h", "7d", "custom"] as const).map((preset) => (
              <label key={preset}>
                <input type="radio" name="preset" value={preset} defaultChecked={window.preset === preset} />
                {t(`coverage.${preset === "12h" ? "next12" : preset === "24h" ? "next24" : preset === "7d" ? "next7d" : "custom"}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="inline-forms">
          <div className="field">
            <label htmlFor="from">{t("coverage.from")}</label>
            <input id="from" type="datetime-local" name="from" defaultValue={query.from} aria-describedby={window.error ? "window-error" : undefined} />
          </div>
          <div className="field">
            <label htmlFor="to">{t("coverage.to")}</label>
            <input id="to" type="datetime-local" name="to" defaultValue={query.to} aria-describedby={window.error ? "window-error" : undefined} />
          </div>
        </div>
        {window.error ? (
          <p id="window-error" className="error-text" role="alert">
            {t(window.error)}
          </p>
        ) : null}
        <p>
          {format(window.from)} – {format(window.to)} ({timeZone})
        </p>
        <button type="submit" className="primary">
          {t("coverage.show")}
        </button>
      </Form>
      {!hasShifts ? <p className="warning">{t("coverage.noShifts")}</p> : null}
      <ZoneMap
        zones={zones.map((z) => ({
          id: z.id,
          name: z.name,
          colour: "#1f2937",
          fill: FILL[staffingOf(z)],
          tooltip: `${z.name}: ${t(`coverage.${staffingOf(z)}`)}`,
          geometry: z.geometry,
          href: `/coordinate/zones/${z.id}`,
        }))}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
      />
      <section className="card" aria-labelledby="legend-title">
        <h2 id="legend-title">{t("coverage.legend")}</h2>
        <ul className="checks" style={{ listStyle: "none", padding: 0 }}>
          {(Object.keys(FILL) as Staffing[]).map((s) => (
            <li key={s}>
              <span className="swatch" style={{ background: FILL[s] }} aria-hidden="true" />
              {t(`coverage.${s}`)}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="gaps-title">
        <h2 id="gaps-title">{t("coverage.gaps")}</h2>
        {gaps.length === 0 ? <p>{t("coverage.noGaps")}</p> : null}
        <ol className="zone-list">
          {gaps.map((zone) => (
            <li key={zone.id} style={{ "--zone": FILL[staffingOf(zone)] } as React.CSSProperties}>
              <span>
                <Link to={`/coordinate/zones/${zone.id}`}>{zone.name}</Link>{" "}
                <span className="badge">{t("zones.priorityLabel", { priority: zone.priority })}</span>
              </span>
              <span>
                {zone.capacity === 0
                  ? t("coverage.noShiftsZone")
                  : t("coverage.staffing", { claimed: zone.claimed, count: zone.capacity })}{" "}
                · {t("coverage.uncoveredFor", { hours: hours(zone.uncoveredMinutes).toLocaleString(i18n.language) })}
              </span>
              <Link to={createLink(zone.id)} className="button secondary">
                {t("shiftChange.coverage.createShift")}
                <span className="sr-only"> {t("shiftChange.coverage.createShiftFor", { zone: zone.name })}</span>
              </Link>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
