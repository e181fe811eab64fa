import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks } from "~/components/map/zone-map";
import { ReportForm } from "~/components/report-form";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { parseReport, reportErrorReply } from "~/modules/reports/actions.server";
import { getReport, updateReport } from "~/modules/reports/reports.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { localDateTimeValue } from "~/modules/clock/format";
import { listZones } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { UUID, invariantResponse } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "reports.editTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const { timeZone } = await publicSettings();
  let report;
  try {
    report = await getReport(user.claims, params.id!);
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
  invariantResponse(report.mine, "Not found", { status: 404 });
  if (report.underReview) throw redirect(`/reports/${report.id}`);
  const zones = await listZones(user.claims);
  return {
    report: { id: report.id },
    nowLocal: localDateTimeValue(new Date(), timeZone),
    zones: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, name: z.name, colour: z.colour, geometry: z.geometry })),
    values: {
      occurredAt: localDateTimeValue(report.occurredAt, timeZone),
      activities: report.activities,
      agencies: report.agencies,
      agentCountMin: report.agentCountMin ?? "",
      agentsPossiblyMore: report.agentsPossiblyMore,
      vehicleCount: report.vehicleCount ?? "",
      urgency: report.urgency,
      latitude: report.location ? String(report.location.coordinates[1]) : "",
      longitude: report.location ? String(report.location.coordinates[0]) : "",
      accuracy: report.accuracy ?? "",
      crossStreets: report.crossStreets,
      masked: report.masked,
      vestText: report.vestText,
      equipment: report.equipment,
      identified: report.identified,
      warrant: report.warrant,
      homeEntry: report.homeEntry,
      consentAsked: report.consentAsked,
      consentGiven: report.consentGiven,
      useOfForce: report.useOfForce,
      injuries: report.injuries,
      localPoliceAssisting: report.localPoliceAssisting,
      officers: report.officers,
      vehicles: report.vehicles,
      narrative: report.narrative,
    } as Record<string, unknown>,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const submission = parseReport(await readForm(request, 512 * 1024));
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { timeZone } = await publicSettings();
  try {
    await updateReport(user.claims, params.id!, submission.value, timeZone);
  } catch (error) {
    return reportErrorReply(submission, error);
  }
  throw redirect(`/reports/${params.id}`, 303);
}

export default function EditReport() {
  const { t } = useTranslation();
  const { report, nowLocal, zones, values } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  return (
    <div className="stack">
      <p>
        <Link to={`/reports/${report.id}`}>← {t("reports.back")}</Link>
      </p>
      <h1>{t("reports.editTitle")}</h1>
      <p className="help">{t("reports.editHelp")}</p>
      <ReportForm
        clientUuid={report.id}
        nowLocal={nowLocal}
        recipients={[]}
        zones={zones}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        lastResult={actionData?.result}
        values={values}
        editing
      />
    </div>
  );
}
