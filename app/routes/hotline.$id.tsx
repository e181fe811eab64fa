import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { parseWithZod } from "@conform-to/zod";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CommunityAlertSection } from "~/components/community-alert";
import { Notice } from "~/components/shift-bits";
import { FieldErrors } from "~/components/ui/field";
import { useIsPending } from "~/components/use-is-pending";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { alertsOfReport } from "~/modules/alerts/alerts.server";
import { alertPreviewOf, communityAlertAction } from "~/modules/alerts/review-actions.server";
import { hasRole, requireRole } from "~/modules/auth/guards.server";
import { NOTE_MAX } from "~/modules/dispatch/schema";
import { dispatchToVerify, getIntake, settleIntake } from "~/modules/hotline/hotline.server";
import { REASON_MAX, SETTLED } from "~/modules/hotline/constants";
import { SettleSchema } from "~/modules/hotline/schema";
import type { ShiftNotice } from "~/modules/shifts/notice";
import type { RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { invariantResponse, UUID } from "~/utils/misc";

// One logged call: its overview, "Dispatch to verify" (coordinators; the volunteer who logged it)
// and "Confirmed" / "False alarm" with a reason (attorneys, coordinators, hotline volunteers).
// The database decides each of these again (private.create_dispatch, private.settle_intake).

export const handle: RouteHandle = { titleKey: "hotline.listTitle" };

const ROLES = ["hotline", "coordinator", "admin", "attorney"] as const;

async function load(request: Request, context: LoaderFunctionArgs["context"], id: string | undefined) {
  const user = await requireRole(request, context, ...ROLES);
  invariantResponse(UUID.test(id ?? ""), "Not found", { status: 404 });
  return { user, id: id!.toLowerCase() };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, id } = await load(request, context, params.id);
  const coordinating = hasRole(user, "coordinator") || hasRole(user, "admin");
  try {
    // Both in the request's one read transaction (ADR 012), sent together: one round trip, not two.
    // "Publish alert" for coordinators here (attorneys publish from /review/:id; docs/decisions/026-community-alerts.md).
    const [call, alerts] = await Promise.all([getIntake(user.claims, id), coordinating ? alertsOfReport(user.claims, id) : null]);
    return { call, canDispatch: coordinating || (hasRole(user, "hotline") && call.mine), canSettle: true, alerts };
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

type AlertResult = { ok: boolean; intent: string; error: string | null; field: string | null; values: { publicText?: string } | null; preview: ReturnType<typeof alertPreviewOf> };
type ActionData = { notice?: ShiftNotice; fieldErrors?: Record<string, string[]>; values?: Record<string, string>; alert?: AlertResult };
const ALERT_INTENTS = ["alertPreview", "alertPublish", "alertUnpublish"] as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { user, id } = await load(request, context, params.id);
  const form = await readForm(request, 8 * 1024);
  const intent = form.get("intent");
  const alertIntent = ALERT_INTENTS.find((i) => i === intent);
  if (alertIntent) {
    try {
      if (!hasRole(user, "coordinator") && !hasRole(user, "admin")) throw new DomainError(403, "errors.forbidden");
      const preview = await communityAlertAction(user.claims, id, alertIntent, form);
      const done = alertIntent === "alertPublish" ? "alerts.publish.done.published" : alertIntent === "alertUnpublish" ? "alerts.publish.done.unpublished" : null;
      return data<ActionData>({ alert: { ok: true, intent: alertIntent, error: null, field: null, values: null, preview }, ...(done ? { notice: { key: done, tone: "ok" as const } } : {}) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const values = { publicText: String(form.get("publicText") ?? "").slice(0, 2000) };
      const preview = alertIntent === "alertPublish" ? alertPreviewOf(form) : null;
      return data<ActionData>({ alert: { ok: false, intent: alertIntent, error: error.messageKey, field: error.field ?? null, values, preview } }, { status: error.status });
    }
  }
  try {
    if (intent === "dispatch") {
      const note = String(form.get("note") ?? "").trim().replace(/\r\n/g, "\n");
      if (note.length > NOTE_MAX) return data<ActionData>({ fieldErrors: { note: ["dispatch.errors.noteTooLong"] }, values: { note } }, { status: 400 });
      const key = String(form.get("key") ?? "");
      const sent = await dispatchToVerify(user.claims, id, note, UUID.test(key) ? key.toLowerCase() : null);
      return data<ActionData>({ notice: { key: "hotline.dispatched", values: { count: sent.recipients }, tone: "ok" } });
    }
    if (intent === "settle") {
      const submission = parseWithZod(form, { schema: SettleSchema });
      if (submission.status !== "success") {
        const errors = submission.error ?? {};
        return data<ActionData>(
          { fieldErrors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v ?? []])), values: { reason: String(form.get("reason") ?? "") } },
          { status: 400 },
        );
      }
      await settleIntake(user.claims, id, submission.value.verification, submission.value.reason);
      return data<ActionData>({ notice: { key: "hotline.settled", tone: "ok" } });
    }
    return data<ActionData>({ notice: { key: "hotline.errors.intent", tone: "error" } }, { status: 400 });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const values = { reason: String(form.get("reason") ?? ""), note: String(form.get("note") ?? "") };
    if (error.field === "reason" && intent === "settle") return data<ActionData>({ fieldErrors: { reason: [error.messageKey] }, values }, { status: error.status });
    return data<ActionData>({ notice: { key: error.messageKey, tone: "error" }, values }, { status: error.status });
  }
}

export default function HotlineCall() {
  const { t } = useTranslation();
  const { call, canDispatch, canSettle, alerts } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const clock = useOrgClock();
  const busy = useIsPending({ state: "submitting" });
  return (
    <div className="stack">
      <p>
        <Link to="/hotline">← {t("hotline.listTitle")}</Link>
      </p>
      <h1>{t("hotline.detailTitle", { time: `${clock.formatDay(call.occurredAt, true)} ${clock.formatTime(call.occurredAt)}` })}</h1>
      {params.get("logged") && !actionData ? (
        <p className="notice" role="status">
          {t("hotline.logged")}
        </p>
      ) : null}
      <Notice notice={actionData?.notice} trigger={actionData} />
      <section className="card stack" aria-labelledby="call-facts">
        <h2 id="call-facts">{t(`hotline.verification.${call.verification}`)}</h2>
        <p className="help">{t("hotline.from")}</p>
        {call.verifiedAt ? (
          <p>
            {t("hotline.settledBy", { verification: t(`hotline.verification.${call.verification}`), time: clock.formatTime(call.verifiedAt), reason: call.verificationReason })}
          </p>
        ) : null}
        <dl className="facts">
          {call.narrative !== null ? (
            <>
              <dt>{t("hotline.what")}</dt>
              <dd>{call.narrative || "—"}</dd>
            </>
          ) : null}
          <dt>{t("hotline.where")}</dt>
          <dd>{[call.crossStreets, call.zoneName].filter(Boolean).join(" · ") || t("reports.noZone")}</dd>
          <dt>{t("hotline.agentCount")}</dt>
          <dd>{call.agentCountMin ?? "—"}{call.agentsPossiblyMore ? "+" : ""}</dd>
          <dt>{t("hotline.agency")}</dt>
          <dd>{call.agencies.map((a) => t(`reports.agency.${a}`)).join(", ") || "—"}</dd>
          <dt>{t("hotline.urgency")}</dt>
          <dd>{t(`reports.urgencyLevel.${call.urgency}`)}</dd>
          <dt>{t("hotline.filterStatus")}</dt>
          <dd>{t(`reports.statusLabel.${call.status}`)}</dd>
        </dl>
        {call.sealed !== null ? <p className="help">{call.sealed ? t("hotline.sealedKept") : t("hotline.noSealed")}</p> : null}
        {call.verifyingReports ? <p>{t("hotline.verifyingReports", { count: call.verifyingReports })}</p> : null}
      </section>

      {canDispatch ? (
        <section className="card stack" aria-labelledby="dispatch-title">
          <h2 id="dispatch-title">{t("hotline.dispatchTitle")}</h2>
          <p className="help">{t("hotline.dispatchHelp")}</p>
          {call.dispatches.length ? (
            <ul>
              {call.dispatches.map((d) => (
                <li key={d.id}>
                  {t("hotline.dispatchedAt", { time: clock.formatTime(d.createdAt) })}
                  {d.cancelledAt ? ` (${t("hotline.cancelled")})` : ""}
                </li>
              ))}
            </ul>
          ) : null}
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="dispatch" />
            <div className="field">
              <label htmlFor="dispatch-note">{t("hotline.dispatchNote")}</label>
              <textarea
                id="dispatch-note"
                name="note"
                rows={2}
                maxLength={NOTE_MAX}
                defaultValue={actionData?.values?.note ?? ""}
                aria-invalid={actionData?.fieldErrors?.note ? true : undefined}
                aria-describedby={actionData?.fieldErrors?.note ? "dispatch-note-error" : undefined}
              />
              <FieldErrors id="dispatch-note-error" errors={actionData?.fieldErrors?.note} />
            </div>
            <p>
              <button type="submit" className="primary" aria-disabled={busy || undefined}>
                {t("hotline.dispatchSend")}
              </button>
            </p>
          </Form>
        </section>
      ) : null}

      {canSettle ? (
        <section className="card stack" aria-labelledby="settle-title">
          <h2 id="settle-title">{t("hotline.settleTitle")}</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="settle" />
            <fieldset aria-describedby={actionData?.fieldErrors?.verification ? "settle-verification-error" : undefined}>
              <legend>{t("hotline.filterVerification")}</legend>
              <div className="checks">
                {SETTLED.map((v) => (
                  <label key={v}>
                    <input type="radio" name="verification" value={v} required defaultChecked={call.verification === v} /> {t(v === "confirmed" ? "hotline.confirm" : "hotline.falseAlarm")}
                  </label>
                ))}
              </div>
              <FieldErrors id="settle-verification-error" errors={actionData?.fieldErrors?.verification} />
            </fieldset>
            <div className="field">
              <label htmlFor="settle-reason">{t("hotline.reason")}</label>
              <span id="settle-reason-help" className="help">
                {t("hotline.settleHelp")}
              </span>
              <textarea
                id="settle-reason"
                name="reason"
                rows={2}
                required
                maxLength={REASON_MAX}
                defaultValue={actionData?.values?.reason ?? ""}
                aria-invalid={actionData?.fieldErrors?.reason ? true : undefined}
                aria-describedby={actionData?.fieldErrors?.reason ? "settle-reason-help settle-reason-error" : "settle-reason-help"}
              />
              <FieldErrors id="settle-reason-error" errors={actionData?.fieldErrors?.reason} />
            </div>
            <p>
              <button type="submit" className="primary" aria-disabled={busy || undefined}>
                {t("hotline.settleSave")}
              </button>
            </p>
          </Form>
        </section>
      ) : null}
      {alerts ? (
        <CommunityAlertSection
          report={{ id: call.id, verification: call.verification, occurredAt: call.occurredAt, zoneName: call.zoneName, agencies: call.agencies, activities: call.activities }}
          alerts={alerts.rows}
          delayMinutes={alerts.delayMinutes}
          result={actionData?.alert ?? null}
        />
      ) : null}
    </div>
  );
}
