import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { translateError } from "~/components/ui/field";
import { ZoneForm } from "~/components/zone-form";
import { requireRole } from "~/modules/auth/guards.server";
import { handleZoneAction, type ZoneNotice } from "~/modules/zones/actions.server";
import { importZones, listZones, type ImportProblem } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";

export const handle: RouteHandle = { titleKey: "zones.title" };
export const links: LinksFunction = () => mapLinks();

const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  return { zones: await listZones(user.claims) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const formData = await readForm(request, MAX_IMPORT_BYTES + 64 * 1024);
  if (formData.get("intent") === "import") {
    const file = formData.get("file");
    const problems = (list: ImportProblem[]) =>
      data({ result: null, notice: null as ZoneNotice | null, importProblems: list }, { status: 400 });
    if (!(file instanceof File) || file.size === 0) return problems([{ feature: 0, name: "", key: "zones.importErrors.notCollection" }]);
    if (file.size > MAX_IMPORT_BYTES) return problems([{ feature: 0, name: "", key: "zones.importErrors.fileTooLarge", values: { max: 5 } }]);
    const outcome = await importZones(user.claims, await file.text());
    if ("problems" in outcome) return problems(outcome.problems);
    return data({ result: null, notice: { key: "zones.imported", values: { count: String(outcome.imported) } } as ZoneNotice, importProblems: [] });
  }
  const response = await handleZoneAction(user, formData, (id) => `/coordinate/zones/${id}`);
  return data({ ...response.data, importProblems: [] as ImportProblem[] }, response.init ?? undefined);
}

export default function Zones() {
  const { t } = useTranslation();
  const { zones } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const actionData = useActionData<typeof action>();
  const [geometry, setGeometry] = useState("");
  const onDraw = useCallback((drawn: object) => setGeometry(JSON.stringify(drawn)), []);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const problemsRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (actionData?.importProblems?.length) problemsRef.current?.focus();
    else if (actionData?.notice) noticeRef.current?.focus();
  }, [actionData]);
  const notice = actionData?.notice;

  return (
    <div className="stack">
      <h1>{t("zones.title")}</h1>
      {notice ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {String(t(notice.key, { ...notice.values, count: Number(notice.values?.count ?? 0) }))}
        </p>
      ) : null}
      <p>{t("zones.mapHelp")}</p>
      <ZoneMap
        zones={zones
          .filter((z) => !z.retired)
          .map((z) => ({ id: z.id, name: z.name, colour: z.colour, geometry: z.geometry, href: `/coordinate/zones/${z.id}` }))}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        onDraw={onDraw}
      />
      <div className="two-col">
        <section aria-labelledby="zone-list-title">
          <h2 id="zone-list-title">{t("zones.list")}</h2>
          {zones.length === 0 ? <p>{t("zones.none")}</p> : null}
          <ul className="zone-list">
            {zones.map((zone) => (
              <li key={zone.id} style={{ "--zone": zone.colour } as React.CSSProperties}>
                <span>
                  <Link to={`/coordinate/zones/${zone.id}`}>{zone.name}</Link>{" "}
                  <span className="badge">{t("zones.priorityLabel", { priority: zone.priority })}</span>{" "}
                  {zone.retired ? <span className="badge off">{t("zones.retired")}</span> : null}
                </span>
                <span>{t("zones.observers", { count: zone.observers })}</span>
              </li>
            ))}
          </ul>
          <p>
            <a className="button secondary" href="/coordinate/zones/export" download="zones.geojson">
              {t("zones.export")}
            </a>
          </p>
          <h2 id="import-title">{t("zones.import")}</h2>
          <Form method="post" encType="multipart/form-data" aria-labelledby="import-title">
            <input type="hidden" name="intent" value="import" />
            <div className="field">
              <label htmlFor="import-file">{t("zones.importFile")}</label>
              <input
                id="import-file"
                type="file"
                name="file"
                accept=".geojson,.json,application/geo+json,application/json"
                required
                aria-describedby={actionData?.importProblems?.length ? "import-problems" : undefined}
              />
            </div>
            {actionData?.importProblems?.length ? (
              <div id="import-problems" className="error-text" role="alert" tabIndex={-1} ref={problemsRef}>
                <p>{t("zones.importProblems")}</p>
                <ul className="problems">
                  {actionData.importProblems.map((p) => (
                    <li key={`${p.feature}-${p.key}`}>
                      {p.feature ? `${t("zones.feature", { feature: p.feature })}${p.name ? ` (${p.name})` : ""}: ` : ""}
                      {translateError(t, p.values ? `${p.key}|${JSON.stringify(p.values)}` : p.key)}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <button type="submit" className="secondary">
              {t("zones.importButton")}
            </button>
          </Form>
        </section>
        <section className="card" aria-labelledby="new-zone-title">
          <h2 id="new-zone-title">{t("zones.new")}</h2>
          <ZoneForm
            formId="new-zone"
            values={{ name: "", colour: "#0b4f6c", priority: 2, notes: "", meetingPoint: "", meetingPointNote: "" }}
            geometry={geometry}
            onGeometryChange={setGeometry}
            lastResult={actionData?.result}
          />
        </section>
      </div>
    </div>
  );
}
