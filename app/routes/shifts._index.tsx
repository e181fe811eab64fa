import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { requireUser } from "~/modules/auth/guards.server";
import { listZones, myZoneIds } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "shifts.title" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [zones, mine] = await Promise.all([listZones(user.claims), myZoneIds(user.claims)]);
  const active = zones.filter((z) => !z.retired);
  const mineSet = new Set(mine);
  // The observer's own zones come first.
  return {
    mine: active.filter((z) => mineSet.has(z.id)),
    others: active.filter((z) => !mineSet.has(z.id)),
  };
}

export default function Shifts() {
  const { t } = useTranslation();
  const { mine, others } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const list = (zones: typeof mine, own: boolean) => (
    <ul className="zone-list">
      {zones.map((zone) => (
        <li key={zone.id} style={{ "--zone": zone.colour } as React.CSSProperties} className={own ? "mine" : undefined}>
          <span>{zone.name}</span>
          <span>
            {own ? <span className="badge">{t("zones.yourZone")}</span> : null}{" "}
            <span className="badge">{t("zones.priorityLabel", { priority: zone.priority })}</span>
          </span>
          {zone.meetingPointNote ? <span className="help">{zone.meetingPointNote}</span> : null}
        </li>
      ))}
    </ul>
  );
  return (
    <div className="stack">
      <h1>{t("shifts.title")}</h1>
      <p>{t("shifts.intro")}</p>
      {mine.length ? (
        <section aria-labelledby="my-zones-title">
          <h2 id="my-zones-title">{t("zones.yourZones")}</h2>
          {list(mine, true)}
        </section>
      ) : null}
      <ZoneMap
        zones={[...mine.map((z) => ({ ...z, emphasis: true })), ...others].map((z) => ({
          id: z.id,
          name: z.name,
          colour: z.colour,
          geometry: z.geometry,
          emphasis: "emphasis" in z,
        }))}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        height={320}
      />
      {others.length ? (
        <section aria-labelledby="other-zones-title">
          <h2 id="other-zones-title">{mine.length ? t("zones.otherZones") : t("zones.list")}</h2>
          {list(others, false)}
        </section>
      ) : null}
    </div>
  );
}
