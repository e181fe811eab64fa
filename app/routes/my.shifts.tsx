import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Notice, ShiftActions, ShiftStatusBadge } from "~/components/shift-bits";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { confirmSafe, mySafetyChecks } from "~/modules/live/live.server";
import { listedShiftAction } from "~/modules/shifts/actions.server";
import { calendarTokenCreatedAt, createCalendarToken, revokeCalendarToken } from "~/modules/shifts/calendar.server";
import type { ShiftNotice } from "~/modules/shifts/notice";
import { myShifts } from "~/modules/shifts/shifts.server";
import type { RouteHandle } from "~/root";
import { appOrigin } from "~/utils/env.server";
import { readForm } from "~/utils/form.server";
import { UUID } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "myShifts.title" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  const [shifts, calendarSince, safetyChecks] = await Promise.all([myShifts(user.claims), calendarTokenCreatedAt(user.claims), mySafetyChecks(user.claims)]);
  return { ...shifts, calendarSince, safetyChecks, now: Date.now() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  const form = await readForm(request.clone(), 16 * 1024);
  const intent = String(form.get("intent") ?? "");
  if (intent === "calendarCreate") {
    const token = await createCalendarToken(user.claims);
    const url = `${appOrigin(request)}/my/calendar.ics?token=${token}`;
    return data({ notice: { key: "myShifts.calendarCreated", tone: "ok" } as ShiftNotice, calendarUrl: url, shiftId: null as string | null });
  }
  if (intent === "calendarRevoke") {
    await revokeCalendarToken(user.claims);
    return data({ notice: { key: "myShifts.calendarRevoked", tone: "ok" } as ShiftNotice, calendarUrl: null, shiftId: null as string | null });
  }
  if (intent === "safetyOk") {
    // The answer to "Are you OK?" (live module): the coordinators' board shows it at once.
    const alertId = String(form.get("alertId") ?? "");
    if (!UUID.test(alertId)) return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice, calendarUrl: null, shiftId: null }, { status: 400 });
    try {
      await confirmSafe(user.claims, alertId);
      return data({ notice: { key: "live.safety.okDone", tone: "ok" } as ShiftNotice, calendarUrl: null, shiftId: null as string | null });
    } catch (error) {
      if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice, calendarUrl: null, shiftId: null }, { status: error.status });
      throw error;
    }
  }
  const result = await listedShiftAction(request, context);
  return data({ ...result.data, calendarUrl: null }, { status: result.init?.status ?? 200 });
}

export default function MyShifts() {
  const { t } = useTranslation();
  const { upcoming, past, calendarSince, safetyChecks, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const clock = useOrgClock();
  const notice =
    actionData?.notice.key === "shifts.notices.checkedIn" && actionData.notice.values?.time
      ? { ...actionData.notice, values: { time: clock.formatTime(String(actionData.notice.values.time)) } }
      : actionData?.notice;

  return (
    <div className="stack">
      <h1>{t("myShifts.title")}</h1>
      <Notice notice={notice} trigger={actionData} />
      {safetyChecks.map((check) => (
        <section key={check.alertId} className="card warning stack" aria-labelledby={`safety-${check.alertId}`}>
          <h2 id={`safety-${check.alertId}`}>{t("live.safety.title")}</h2>
          <p>{t(`live.safety.${check.kind}`, { zone: check.zoneName, time: clock.formatTime(check.kind === "missed_check_in" ? check.startsAt : check.endsAt) })}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="safetyOk" />
            <input type="hidden" name="alertId" value={check.alertId} />
            <button type="submit" className="primary big">
              {t("live.safety.ok")}
            </button>
          </Form>
          <p className="help">{t("live.safety.help")}</p>
        </section>
      ))}
      <section aria-labelledby="upcoming-title">
        <h2 id="upcoming-title">{t("myShifts.upcoming")}</h2>
        {upcoming.length === 0 ? (
          <p className="empty">
            {t("myShifts.noneUpcoming")} <Link to="/shifts">{t("myShifts.findShifts")}</Link>
          </p>
        ) : (
          <ul className="shift-list">
            {upcoming.map((shift) => (
              <li key={shift.id} style={{ "--zone": shift.zoneColour } as React.CSSProperties}>
                <Link to={`/shifts/${shift.id}`} className="shift-link" id={`shift-${shift.id}`}>
                  <strong>{shift.zoneName}</strong>
                  <span>{clock.formatShiftTime(shift.startsAt, shift.endsAt, true)}</span>
                </Link>
                <span className="shift-meta">
                  <ShiftStatusBadge shift={shift} />
                  {shift.checkedInAt ? <span>{t("shifts.checkedInAt", { time: clock.formatTime(shift.checkedInAt) })}</span> : null}
                </span>
                {shift.meetingPointNote && !shift.cancelled ? <span className="help">{shift.meetingPointNote}</span> : null}
                <ShiftActions shift={shift} now={now} describedBy={`shift-${shift.id}`} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="calendar-title" className="card stack">
        <h2 id="calendar-title">{t("myShifts.calendarTitle")}</h2>
        <p>{t("myShifts.calendarIntro")}</p>
        {actionData?.calendarUrl ? (
          <div className="stack">
            <label htmlFor="calendar-url">{t("myShifts.calendarLink")}</label>
            <input id="calendar-url" readOnly value={actionData.calendarUrl} className="mono" aria-describedby="calendar-once" />
            <p id="calendar-once" className="help">
              {t("myShifts.calendarOnce")}
            </p>
            <p>
              <a href={actionData.calendarUrl} download="testigo-shifts.ics">
                {t("myShifts.calendarDownload")}
              </a>
            </p>
          </div>
        ) : calendarSince ? (
          <p>{t("myShifts.calendarActive", { date: clock.formatDay(calendarSince) })}</p>
        ) : null}
        <div className="actions">
          <Form method="post">
            <input type="hidden" name="intent" value="calendarCreate" />
            <button type="submit" className="primary">
              {calendarSince ? t("myShifts.calendarRegenerate") : t("myShifts.calendarCreate")}
            </button>
          </Form>
          {calendarSince ? (
            <Form method="post">
              <input type="hidden" name="intent" value="calendarRevoke" />
              <button type="submit" className="secondary">
                {t("myShifts.calendarRevoke")}
              </button>
            </Form>
          ) : null}
        </div>
      </section>

      <section aria-labelledby="past-title">
        <h2 id="past-title">{t("myShifts.past")}</h2>
        {past.length === 0 ? (
          <p className="empty">{t("myShifts.nonePast")}</p>
        ) : (
          <ul className="shift-list">
            {past.map((shift) => (
              <li key={shift.id} style={{ "--zone": shift.zoneColour } as React.CSSProperties}>
                <Link to={`/shifts/${shift.id}`} className="shift-link" id={`shift-${shift.id}`}>
                  <strong>{shift.zoneName}</strong>
                  <span>{clock.formatShiftTime(shift.startsAt, shift.endsAt, true)}</span>
                </Link>
                <span className="shift-meta">
                  <ShiftStatusBadge shift={shift} />
                </span>
                {/* someone who forgot to check out can still do it */}
                <ShiftActions shift={shift} now={now} describedBy={`shift-${shift.id}`} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
