import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { SelectField } from "~/components/ui/field";
import { ZoneForm } from "~/components/zone-form";
import { requireRole } from "~/modules/auth/guards.server";
import { handleZoneAction } from "~/modules/zones/actions.server";
import { validateZoneGeometry } from "~/modules/zones/geometry";
import { getZone, listAssignableObservers } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { UUID, invariantResponse } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "zones.edit" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const [{ zone, roster }, observers] = await Promise.all([getZone(user.claims, params.id!), listAssignableObservers(user.claims)]);
  return { zone, roster, observers };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const formData = await readForm(request, 256 * 1024);
  // The zone is the one in the URL, whatever a form says.
  formData.set("id", params.id!);
  return handleZoneAction(user, formData, (id) => `/coordinate/zones/${id}`);
}

export default function ZoneDetail() {
  const { t } = useTranslation();
  const { zone, roster, observers } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const actionData = useActionData<typeof action>();
  // The saved outline replaces the text only when it really changed (a save), not on every
  // revalidation after an assignment, so unsaved edits survive other actions on the page.
  const savedGeometry = JSON.stringify(zone.geometry);
  const [geometry, setGeometry] = useState(savedGeometry);
  useEffect(() => setGeometry(savedGeometry), [savedGeometry]);
  const onEdit = useCallback((edited: object) => setGeometry(JSON.stringify(edited)), []);
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(actionData?.notice, actionData);
  // The map follows the text while it is a valid outline, and keeps the last valid one otherwise.
  const [mapGeometry, setMapGeometry] = useState(zone.geometry);
  useEffect(() => {
    const checked = validateZoneGeometry(geometry);
    if (checked.ok) setMapGeometry(checked.geometry);
  }, [geometry]);
  const assigned = new Set(roster.map((r) => r.id));
  const assignErrors = actionData?.result?.error?.observerId ?? undefined;
  const meetingPoint = zone.meetingPoint ? `${zone.meetingPoint.coordinates[1]}, ${zone.meetingPoint.coordinates[0]}` : "";

  return (
    <div className="stack">
      <p>
        <Link to="/coordinate/zones">← {t("zones.back")}</Link>
      </p>
      <h1>
        <span className="swatch" style={{ background: zone.colour }} aria-hidden="true" />
        {zone.name} {zone.retired ? <span className="badge off">{t("zones.retired")}</span> : null}
      </h1>
      {actionData?.notice ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {String(t(actionData.notice.key, actionData.notice.values))}
        </p>
      ) : null}
      <ZoneMap
        zones={[{ id: zone.id, name: zone.name, colour: zone.colour, geometry: mapGeometry }]}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        editableZoneId={zone.id}
        onEdit={onEdit}
      />
      <div className="two-col">
        <section className="card" aria-labelledby="edit-zone-title">
          <h2 id="edit-zone-title">{t("zones.edit")}</h2>
          <ZoneForm
            key={zone.id}
            formId="edit-zone"
            values={{ ...zone, meetingPoint }}
            geometry={geometry}
            onGeometryChange={setGeometry}
            lastResult={actionData?.result?.initialValue?.intent === "save" ? actionData.result : undefined}
          />
          <Form method="post">
            <input type="hidden" name="intent" value={zone.retired ? "restore" : "retire"} />
            <p>
              <button type="submit" className={zone.retired ? "secondary" : "danger"}>
                {zone.retired ? t("zones.restore") : t("zones.retire")}
              </button>
            </p>
          </Form>
        </section>
        <section className="card" aria-labelledby="roster-title">
          <h2 id="roster-title">{t("zones.roster")}</h2>
          {roster.length === 0 ? <p>{t("zones.rosterEmpty")}</p> : null}
          <ul className="zone-list">
            {roster.map((person) => (
              <li key={person.id}>
                <span>{person.display_name || person.email}</span>
                <Form method="post">
                  <input type="hidden" name="intent" value="unassign" />
                  <input type="hidden" name="observerId" value={person.id} />
                  <button type="submit" className="secondary">
                    {t("zones.unassign")}
                    <span className="sr-only"> {person.display_name || person.email}</span>
                  </button>
                </Form>
              </li>
            ))}
          </ul>
          <Form method="post">
            <input type="hidden" name="intent" value="assign" />
            <SelectField
              id="assign-observer"
              label={t("zones.observer")}
              name="observerId"
              defaultValue=""
              errors={assignErrors}
              options={[
                { value: "", label: t("zones.chooseObserver") },
                ...observers.filter((o) => !assigned.has(o.id)).map((o) => ({ value: o.id, label: o.display_name || o.email })),
              ]}
            />
            <button type="submit" className="primary">
              {t("zones.assign")}
            </button>
          </Form>
        </section>
      </div>
    </div>
  );
}
