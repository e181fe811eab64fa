import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { parseWithZod } from "@conform-to/zod";
import { useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { IntakeForm } from "~/components/hotline/intake-form";
import { mapLinks } from "~/components/map/zone-map";
import { RecipientNotice } from "~/components/report-form";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { localDateTimeValue } from "~/modules/clock/format";
import { logCall } from "~/modules/hotline/hotline.server";
import { IntakeSchema } from "~/modules/hotline/schema";
import { newClientUuid, sealingRecipients } from "~/modules/reports/reports.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { listZones } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";

// "Log a call" (docs/decisions/025-hotline-intake.md): hotline volunteers only. The caller and the
// people named are sealed in the browser, or on receipt without JavaScript, like a report's P2.

export const handle: RouteHandle = { titleKey: "hotline.newTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "hotline");
  const { timeZone } = await publicSettings();
  const [recipients, zones] = await Promise.all([sealingRecipients(user.claims), listZones(user.claims)]);
  return {
    clientUuid: newClientUuid(),
    nowLocal: localDateTimeValue(new Date(), timeZone),
    recipients: recipients.map((r) => ({ keyId: r.keyId, publicKey: r.publicKey, kind: r.kind, fingerprint: r.fingerprint, activeFrom: r.activeFrom })),
    zones: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, name: z.name, colour: z.colour, geometry: z.geometry })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "hotline");
  const submission = parseWithZod(await readForm(request, 512 * 1024), { schema: IntakeSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { timeZone } = await publicSettings();
  try {
    const { id } = await logCall(user.claims, submission.value, timeZone);
    throw redirect(`/hotline/${id}?logged=1`, 303);
  } catch (error) {
    if (error instanceof Response) throw error;
    if (!(error instanceof DomainError)) throw error;
    // Without JavaScript what was typed goes back into the same person's form; it is never stored or logged.
    return data({ result: submission.reply({ fieldErrors: { [error.field ?? "clientUuid"]: [error.messageKey] } }) }, { status: error.status });
  }
}

export default function LogCall() {
  const { t } = useTranslation();
  const { clientUuid, nowLocal, recipients, zones } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  return (
    <div className="stack">
      <h1>{t("hotline.newTitle")}</h1>
      <p>{t("hotline.newIntro")}</p>
      {recipients.length ? <RecipientNotice recipients={recipients} /> : null}
      <IntakeForm
        clientUuid={clientUuid}
        nowLocal={nowLocal}
        recipients={recipients}
        zones={zones}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        lastResult={actionData?.result}
      />
    </div>
  );
}
