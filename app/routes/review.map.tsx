import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { IncidentMap, incidentMapLinks } from "~/components/map/incident-map";
import { ReviewFilters } from "~/components/review-filters";
import { useOrgClock } from "~/components/use-org-clock";
import { requireRole } from "~/modules/auth/guards.server";
// The filters module is shared with the browser (queue.server re-exports the same functions).
import { parseQueueFilters, queueSearch, URGENCIES } from "~/modules/review/filters";
import type { MapPoint } from "~/modules/review/map";
import { reviewMap } from "~/modules/review/map.server";
import { listZones } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "reviewMap.title" };
export const links: LinksFunction = () => incidentMapLinks();

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  const filters = parseQueueFilters(new URL(request.url).searchParams);
  const [{ points, ...map }, zones] = await Promise.all([reviewMap(user.claims, filters), listZones(user.claims)]);
  return {
    filters,
    map: { ...map, shown: points.length },
    // The points as one JSON text: single fetch would send each of the 12,000 values as its own
    // entry with references (92 KiB gzipped for 2,000 points against 68 KiB this way).
    points: JSON.stringify(points),
    zones: zones.map((z) => ({ id: z.id, name: z.name, retired: z.retired })),
    outlines: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, colour: z.colour, geometry: z.geometry })),
  };
}

export default function ReviewMap() {
  const { t, i18n } = useTranslation();
  const { filters, map, points: pointsJson, zones, outlines } = useLoaderData<typeof loader>();
  const points = useMemo(() => JSON.parse(pointsJson) as MapPoint[], [pointsJson]);
  const root = useRouteLoaderData<RootLoader>("root");
  const { timeZone } = useOrgClock();
  const listHref = `/review${queueSearch(filters)}`;
  const number = (n: number) => n.toLocaleString(i18n.language === "es" ? "es-US" : "en-US");
  const total = map.located + map.unlocated;

  return (
    <div className="stack">
      <h1>{t("reviewMap.title")}</h1>
      <p>{t("reviewMap.intro")}</p>
      <ReviewFilters filters={filters} zones={zones} action="/review/map" />

      <section aria-labelledby="map-summary-title">
        <h2 id="map-summary-title">{t("reviewMap.summaryTitle")}</h2>
        <p role="status" id="map-summary">
          {t("reviewMap.summary", { count: total, total: number(total), located: number(map.located) })}{" "}
          {map.unlocated ? t("reviewMap.unlocated", { count: map.unlocated, n: number(map.unlocated) }) : null}
        </p>
        {map.capped ? (
          <p className="warning" role="note">
            {t("reviewMap.capped", { shown: number(map.shown), located: number(map.located) })}
          </p>
        ) : null}
        <ul className="map-legend" aria-label={t("reviewMap.legend")}>
          {URGENCIES.map((u) => (
            <li key={u}>
              <span className={`legend-dot incident-u-${u}`} aria-hidden="true">
                {t(`reviewMap.letter.${u}`)}
              </span>
              {t("reviewMap.legendItem", { urgency: t(`reviewFilters.urgencyLevel.${u}`), letter: t(`reviewMap.letter.${u}`), n: number(map.byUrgency[u]) })}
            </li>
          ))}
        </ul>
      </section>

      {points.length ? (
        <IncidentMap
          points={points}
          zones={outlines}
          tileUrl={root?.settings.mapTileUrl ?? ""}
          attribution={root?.settings.mapAttribution ?? ""}
          timeZone={timeZone}
        />
      ) : (
        <p className="empty">{total ? t("reviewMap.noneLocated") : t("reviewMap.none")}</p>
      )}
      <p className="help">{t("reviewMap.keyboardHelp")}</p>
      <p>
        <Link to={listHref}>{t("reviewMap.backToList")}</Link>
      </p>
    </div>
  );
}
