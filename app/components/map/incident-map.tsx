import leafletCss from "leaflet/dist/leaflet.css?url";
import clusterCss from "leaflet.markercluster/dist/MarkerCluster.css?url";
import type { LinkDescriptor } from "@remix-run/node";
import { lazy, Suspense, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { ClientOnly } from "remix-utils/client-only";
import { REPORT_STATUSES, URGENCIES } from "~/modules/review/filters";
import type { Urgency } from "~/modules/review/map";
import incidentCss from "./incident-map.css?url";
import type { IncidentMapLabels, IncidentMapProps } from "./incident-map-types";

// Leaflet and the clustering plugin are fetched only by this page, and never run on the server.
const IncidentMapClient = lazy(() => import("./incident-map.client"));

/** Leaflet's, the clustering plugin's and the markers' CSS, all served by the app (no drawing tools). */
export const incidentMapLinks = (): LinkDescriptor[] => [
  { rel: "stylesheet", href: leafletCss },
  { rel: "stylesheet", href: clusterCss },
  { rel: "stylesheet", href: incidentCss },
];

/** The translated labels for markers, clusters, popups and the legend. */
export function useIncidentMapLabels(): IncidentMapLabels {
  const { t, i18n } = useTranslation();
  return useMemo(() => {
    const per = <K extends string>(keys: readonly K[], prefix: string) => Object.fromEntries(keys.map((k) => [k, t(`${prefix}.${k}`)])) as Record<K, string>;
    const urgencyName = per(URGENCIES, "reviewFilters.urgencyLevel");
    const statusName = per(REPORT_STATUSES, "reports.statusLabel");
    return {
      region: t("reviewMap.region"),
      noTiles: t("reviewMap.noTiles"),
      zoomIn: t("zones.zoomIn"),
      zoomOut: t("zones.zoomOut"),
      urgency: t("reviewFilters.urgency"),
      status: t("reviewFilters.status"),
      when: t("reviewMap.when"),
      open: t("reviewMap.open"),
      letter: per(URGENCIES, "reviewMap.letter"),
      urgencyName,
      statusName,
      markerName: (u, s) => t("reviewMap.markerName", { urgency: urgencyName[u], status: statusName[s] }),
      clusterName: (count: number, mostUrgent: Urgency) => t("reviewMap.clusterName", { count, urgency: urgencyName[mostUrgent] }),
    };
    // i18n.language: the labels follow a language switch
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [t, i18n.language]);
}

type Props = Omit<IncidentMapProps, "labels" | "language">;

/** The attorneys' incident map: clustered markers, loaded on the client only. */
export function IncidentMap(props: Props) {
  const { t, i18n } = useTranslation();
  const labels = useIncidentMapLabels();
  const height = props.height ?? 480;
  const skeleton = (
    <div className="map-frame map-skeleton" style={{ "--map-height": `${height}px` } as React.CSSProperties}>
      {t("zones.mapLoading")}
    </div>
  );
  return (
    <ClientOnly fallback={skeleton}>
      {() => (
        <Suspense fallback={skeleton}>
          <IncidentMapClient {...props} labels={labels} language={i18n.language === "es" ? "es" : "en"} />
        </Suspense>
      )}
    </ClientOnly>
  );
}
