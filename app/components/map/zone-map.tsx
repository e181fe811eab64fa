import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { ClientOnly } from "remix-utils/client-only";
import type { ZoneMapProps } from "./types";

type Props = Omit<ZoneMapProps, "label" | "noTilesMessage" | "vertexLabel" | "language" | "zoomIn" | "zoomOut">;

// Leaflet is only ever fetched by pages that show a map, the drawing tools only by pages that
// draw, and neither runs on the server.
const ZoneMapViewer = lazy(() => import("./zone-map.client"));
const ZoneMapEditor = lazy(() => import("./zone-map-editor.client"));

/** The one map: labels, messages and the drawing toolbar's language come from i18n. */
export function ZoneMap(props: Props) {
  const { t, i18n } = useTranslation();
  const height = props.height ?? 420;
  const full: ZoneMapProps = {
    ...props,
    label: t("zones.map"),
    noTilesMessage: t("zones.noTiles"),
    vertexLabel: t("zones.vertex"),
    language: i18n.language === "es" ? "es" : "en",
    zoomIn: t("zones.zoomIn"),
    zoomOut: t("zones.zoomOut"),
  };
  const skeleton = (
    <div className="map-frame map-skeleton" style={{ "--map-height": `${height}px` } as React.CSSProperties}>
      {t("zones.mapLoading")}
    </div>
  );
  return (
    <ClientOnly fallback={skeleton}>
      {() => (
        <Suspense fallback={skeleton}>
          {props.onDraw || props.editableZoneId ? <ZoneMapEditor {...full} /> : <ZoneMapViewer {...full} />}
        </Suspense>
      )}
    </ClientOnly>
  );
}

export { mapLinks } from "./links";
