import { lazy, Suspense } from "react";
import { ClientOnly } from "remix-utils/client-only";
import type { ZoneMapProps } from "./types";

// Leaflet is only ever fetched by pages that show a map, and never runs on the server.
const ZoneMapClient = lazy(() => import("./zone-map.client"));

export function ZoneMap(props: ZoneMapProps & { loadingLabel: string }) {
  const height = props.height ?? 420;
  const skeleton = (
    <div className="map-frame map-skeleton" style={{ height }} role="img" aria-label={props.loadingLabel}>
      {props.loadingLabel}
    </div>
  );
  return (
    <ClientOnly fallback={skeleton}>
      {() => (
        <Suspense fallback={skeleton}>
          <ZoneMapClient {...props} />
        </Suspense>
      )}
    </ClientOnly>
  );
}

export { mapLinks } from "./links";
