import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { Notice } from "~/components/shift-bits";
import { useIsPending } from "~/components/use-is-pending";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { hasRole, requireUser, type CurrentUser } from "~/modules/auth/guards.server";
import { geoHref } from "~/modules/dispatch/alerts";
import { answerDispatch, dispatchDetails } from "~/modules/dispatch/dispatch.server";
import { linkReportToTip, myTips } from "~/modules/hotline/hotline.server";
import { myReports } from "~/modules/reports/reports.server";
import { isResponse } from "~/modules/dispatch/schema";
import type { ShiftNotice } from "~/modules/shifts/notice";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { invariantResponse, UUID } from "~/utils/misc";

// One dispatch: where a coordinator sent observers, the note, and the observer's own answer
// ("On my way" / "Can't", plain forms). The banner's buttons and the email's link land here.
// Recipients and coordinators only; anyone else gets "not found".

export const handle: RouteHandle = { titleKey: "dispatch.title" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const coordinating = hasRole(user, "coordinator") || hasRole(user, "admin");
  const dispatch = await dispatchDetails(user.claims, params.id!.toLowerCase(), coordinating);
  invariantResponse(dispatch, "Not found", { status: 404 });
  // Sent to verify a call (docs/decisions/025-hotline-intake.md): the observer may say which of
  // their reports verifies it.
  const tip = dispatch.mine && hasRole(user, "observer") ? (await myTips(user.claims)).find((t) => t.dispatchId === dispatch.id) ?? null : null;
  const reports = tip ? (await myReports(user.claims)).slice(0, 20) : [];
  return { dispatch, coordinating, tip, reports };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const form = await readForm(request, 1024);
  if (form.get("intent") === "link") return linkAction(user.claims, form);
  const response = form.get("response");
  if (!isResponse(response)) return data({ notice: { key: "dispatch.errors.response", tone: "error" } as ShiftNotice }, { status: 400 });
  try {
    await answerDispatch(user.claims, params.id!.toLowerCase(), response);
    return data({ notice: { key: `dispatch.answered.${response}`, tone: "ok" } as ShiftNotice });
  } catch (error) {
    if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice }, { status: error.status });
    throw error;
  }
}

/** "Link one of my reports to this call": RLS lets an observer change only their own report. */
async function linkAction(claims: CurrentUser["claims"], form: FormData) {
  const report = String(form.get("report") ?? "");
  const tip = String(form.get("tip") ?? "");
  if (!UUID.test(report) || !UUID.test(tip)) return data({ notice: { key: "hotline.errors.linkRefused", tone: "error" } as ShiftNotice }, { status: 400 });
  try {
    await linkReportToTip(claims, report.toLowerCase(), tip.toLowerCase());
    return data({ notice: { key: "hotline.linked", tone: "ok" } as ShiftNotice });
  } catch (error) {
    if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice }, { status: error.status });
    throw error;
  }
}

export default function DispatchPage() {
  const { t } = useTranslation();
  const { dispatch: d, coordinating, tip, reports } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const time = (iso: string) => clock.formatTime(iso);
  const zone = d.zoneName ?? t("dispatch.noZone");
  const busy = useIsPending({ fields: { response: true } });

  return (
    <div className="stack dispatch-page">
      {coordinating ? (
        <p>
          <Link to="/coordinate/live">← {t("dispatch.page.back")}</Link>
        </p>
      ) : null}
      <h1>{t("dispatch.page.title", { zone })}</h1>
      <p className="lead">{t("dispatch.page.sentAt", { time: time(d.createdAt) })}</p>
      <Notice notice={actionData?.notice} trigger={actionData} />
      {d.cancelledAt ? (
        <p className="notice error" role="status">
          {t("dispatch.page.cancelled", { time: time(d.cancelledAt) })}
        </p>
      ) : null}

      {d.mine ? (
        <section className="card stack" aria-labelledby="answer-title">
          <h2 id="answer-title">{t("dispatch.page.yourAnswer")}</h2>
          <p>
            {d.mine.response && d.mine.respondedAt
              ? t(`dispatch.page.answered.${d.mine.response}`, { time: time(d.mine.respondedAt) })
              : t("dispatch.page.notAnswered")}
          </p>
          {d.cancelledAt ? null : (
            <>
              {d.mine.response ? <p className="help">{t("dispatch.page.change")}</p> : null}
              <Form method="post" className="actions">
                <button
                  type="submit"
                  name="response"
                  value="on_my_way"
                  className={d.mine.response === "on_my_way" ? "secondary" : "primary"}
                  aria-pressed={d.mine.response === "on_my_way"}
                  aria-disabled={busy || undefined}
                >
                  {t("dispatch.response.on_my_way")}
                </button>
                <button type="submit" name="response" value="cant" className="secondary" aria-pressed={d.mine.response === "cant"} aria-disabled={busy || undefined}>
                  {t("dispatch.response.cant")}
                </button>
              </Form>
            </>
          )}
          <p className="warning">{t("dispatch.page.safety")}</p>
        </section>
      ) : null}

      <section className="card stack" aria-labelledby="where-title">
        <h2 id="where-title">{t("dispatch.page.where")}</h2>
        {d.crossStreets ? <p className="lead">{d.crossStreets}</p> : null}
        {d.point ? (
          <>
            <p>{t("dispatch.page.coordinates", { latitude: d.point.lat, longitude: d.point.lng })}</p>
            <p>
              <a className="button secondary" href={geoHref(d.point)}>
                {t("dispatch.page.openMap")}
              </a>
            </p>
          </>
        ) : (
          <p>{t("dispatch.page.noPlace")}</p>
        )}
        <p>{t("dispatch.page.zones", { zones: d.zoneNames.join(", ") })}</p>
      </section>

      {tip ? (
        <section className="card stack" aria-labelledby="tip-title">
          <h2 id="tip-title">{t("hotline.linkMyReport")}</h2>
          <p className="help">{t("hotline.linkHelp")}</p>
          {reports.length ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="link" />
              <input type="hidden" name="tip" value={tip.reportId} />
              <div className="field">
                <label htmlFor="link-report">{t("hotline.linkWhich")}</label>
                <select id="link-report" name="report">
                  {reports.map((r) => (
                    <option key={r.id} value={r.id}>
                      {`${clock.formatTime(r.occurredAt)} · ${r.zoneName ?? (r.crossStreets || t("reports.noZone"))}`}
                    </option>
                  ))}
                </select>
              </div>
              <p>
                <button type="submit" className="secondary">
                  {t("hotline.linkSave")}
                </button>
              </p>
            </Form>
          ) : null}
          <p>
            <Link className="button primary" to="/reports/new">
              {t("hotline.fileForTip")}
            </Link>
          </p>
        </section>
      ) : null}

      <section className="card stack" aria-labelledby="note-title">
        <h2 id="note-title">{t(d.askedBy === "hotline" ? "hotlineDispatch.page.note" : "dispatch.page.note")}</h2>
        <p className="pre-wrap">{d.note || t("dispatch.page.noNote")}</p>
      </section>
      {d.point || d.zone ? (
        <ZoneMap
          zones={d.zone ? [{ id: d.zoneId ?? "zone", name: zone, colour: d.zone.colour, geometry: d.zone.geometry }] : []}
          pin={d.point}
          tileUrl={root?.settings.mapTileUrl ?? ""}
          attribution={root?.settings.mapAttribution ?? ""}
          height={280}
        />
      ) : null}

      {d.recipients ? (
        <section aria-labelledby="recipients-title">
          <h2 id="recipients-title">{t("dispatch.page.recipients")}</h2>
          <ul className="dispatch-recipients">
            {d.recipients.map((r) => (
              <li key={r.observerId}>
                <strong>{r.observerName}</strong> · {r.zoneName ?? t("dispatch.noZone")} ·{" "}
                <span className={`badge ${r.response === "on_my_way" ? "ok" : r.response === "cant" ? "off" : ""}`}>{t(`dispatch.response.${r.response ?? "none"}`)}</span>
                {r.respondedAt ? ` ${t("dispatch.panel.answeredAt", { time: time(r.respondedAt) })}` : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
