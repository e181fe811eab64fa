import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { useActionData, useLoaderData, useRouteLoaderData, type ClientActionFunctionArgs, type ShouldRevalidateFunction } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks } from "~/components/map/zone-map";
import { QuickExit } from "~/components/quick-exit";
import { RecipientNotice, ReportForm } from "~/components/report-form";
import { ReportOnPhoneStatus, ReportsOnPhone, useReportOnPhone } from "~/components/report-on-phone";
import { useOrgClock } from "~/components/use-org-clock";
import { requireRole } from "~/modules/auth/guards.server";
import { parseReport, reportErrorReply } from "~/modules/reports/actions.server";
import { firstAttempt } from "~/modules/reports/on-device";
import { isKeptForLater } from "~/modules/reports/outbox";
import { currentShiftOf, newClientUuid, sealingRecipients, submitReport } from "~/modules/reports/reports.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { localDateTimeValue } from "~/modules/clock/format";
import { listZones } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";

export const handle: RouteHandle = { titleKey: "reports.newTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  const { timeZone } = await publicSettings();
  const [recipients, zones, shift] = await Promise.all([sealingRecipients(user.claims), listZones(user.claims), currentShiftOf(user.claims)]);
  return {
    // Issued with the form: a second POST of the same form lands on the same report.
    clientUuid: newClientUuid(),
    nowLocal: localDateTimeValue(new Date(), timeZone),
    recipients: recipients.map((r) => ({ keyId: r.keyId, publicKey: r.publicKey, kind: r.kind, fingerprint: r.fingerprint, activeFrom: r.activeFrom })),
    zones: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, name: z.name, colour: z.colour, geometry: z.geometry })),
    shift: shift ? { id: shift.id, zoneName: shift.zone_name } : null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  const submission = parseReport(await readForm(request, 512 * 1024));
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { timeZone } = await publicSettings();
  try {
    const { id } = await submitReport(user.claims, submission.value, timeZone);
    // 303 to the report, whether this POST made it or an earlier one did.
    throw redirect(`/reports/${id}?sent=1`, 303);
  } catch (error) {
    if (error instanceof Response) throw error;
    return reportErrorReply(submission, error);
  }
}

/**
 * With JavaScript the report is already in the phone's outbox when this runs: a failed, aborted or
 * timed-out attempt leaves it there to be sent later (see ~/modules/reports/on-device).
 */
export async function clientAction({ request, serverAction }: ClientActionFunctionArgs) {
  const clientUuid = String((await request.clone().formData()).get("clientUuid") ?? "");
  return firstAttempt(clientUuid, () => serverAction<typeof action>());
}

/** A report kept for later means there is no signal: nothing to reload, and trying would fail. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) =>
  isKeptForLater(actionResult) ? false : defaultShouldRevalidate;

export default function NewReport() {
  const { t } = useTranslation();
  const { clientUuid, nowLocal, recipients, zones, shift } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof clientAction>();
  const root = useRouteLoaderData<RootLoader>("root");
  const { timeZone } = useOrgClock();
  const onPhone = useReportOnPhone({ issuedUuid: clientUuid, nowLocal, timeZone, email: root?.user?.email, actionData });
  return (
    <div className="stack">
      <div className="report-heading">
        <h1>{t("reports.newTitle")}</h1>
        <QuickExit />
      </div>
      {/* Vite's dev server serves modules the service worker does not keep (README, "Offline"). */}
      {import.meta.env.DEV ? <p className="help">{t("wipe.offline.devNeedsBuild")}</p> : null}
      <p>{shift ? t("reports.onShift", { zone: shift.zoneName }) : t("reports.intro")}</p>
      {recipients.length === 0 ? <p className="warning">{t("reports.noKeysWarning")}</p> : <RecipientNotice recipients={recipients} />}
      <ReportOnPhoneStatus notice={onPhone.notice} hasDraft={onPhone.hasDraft} onDiscard={() => void onPhone.discard()} timeZone={timeZone} />
      <ReportsOnPhone email={root?.user?.email} timeZone={timeZone} includeSent onEditAgain={onPhone.restore} />
      <ReportForm
        key={onPhone.form.formKey}
        clientUuid={onPhone.form.clientUuid}
        nowLocal={onPhone.form.nowLocal}
        values={onPhone.form.values}
        holdSubmit={!onPhone.form.ready}
        onDraftChange={onPhone.onDraftChange}
        keepBeforeSending={onPhone.keepBeforeSending}
        recipients={recipients}
        zones={zones}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        lastResult={actionData && !isKeptForLater(actionData) && onPhone.showsAnswer ? actionData.result : undefined}
      />
    </div>
  );
}
