import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { ClaimBlocked } from "~/components/claim-blocked";
import { Needs, Notice, ShiftActions, ShiftStatusBadge, Spots } from "~/components/shift-bits";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { hasRole, requireUser } from "~/modules/auth/guards.server";
import { observerShiftAction } from "~/modules/shifts/actions.server";
import { checkInOpen } from "~/modules/clock/format";
import { myClaimStanding } from "~/modules/shifts/changes.server";
import { getShift } from "~/modules/shifts/shifts.server";
import type { RootLoader, RouteHandle } from "~/root";
import { UUID, invariantResponse } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "shifts.detailTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  try {
    const [shift, standing] = await Promise.all([getShift(user.claims, params.id!), myClaimStanding(user.claims)]);
    return { shift, validUntil: standing.validUntil, isObserver: hasRole(user, "observer"), coordinates: hasRole(user, "coordinator") || hasRole(user, "admin"), now: Date.now() };
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  return observerShiftAction(request, context, params.id!);
}

export default function ShiftDetail() {
  const { t } = useTranslation();
  const { shift, validUntil, isObserver, coordinates, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const checkInFrom = new Date(new Date(shift.startsAt).getTime() - 30 * 60_000).toISOString();
  const notice = actionData?.notice
    ? { ...actionData.notice, values: actionData.notice.key === "shifts.notices.checkedIn" && actionData.notice.values?.time ? { time: clock.formatTime(String(actionData.notice.values.time)) } : actionData.notice.values }
    : null;

  return (
    <div className="stack">
      <p>
        <Link to="/shifts">← {t("shifts.back")}</Link>
      </p>
      <h1>
        <span className="swatch" style={{ background: shift.zoneColour }} aria-hidden="true" />
        {shift.zoneName}
      </h1>
      <p className="lead">{clock.formatShiftTime(shift.startsAt, shift.endsAt)}</p>
      <Notice notice={notice} trigger={actionData} />
      {shift.cancelled ? (
        <p className="notice error" role="status">
          {t("shifts.cancelledNotice")} {shift.cancelReason ? `${t("shifts.reason")}: ${shift.cancelReason}` : ""}
        </p>
      ) : null}
      <div className="card stack">
        <p className="shift-meta">
          <Spots shift={shift} /> <ShiftStatusBadge shift={shift} />
        </p>
        <Needs shift={shift} />
        {shift.myStatus === "waitlisted" ? <p>{t("shifts.waitlistExplainer", { position: shift.myWaitlistPosition ?? "?" })}</p> : null}
        {shift.myStatus === "claimed" && !checkInOpen(shift.startsAt, shift.endsAt, now) && new Date(shift.startsAt).getTime() > now ? (
          <p className="help">{t("shifts.checkInOpensAt", { time: clock.formatTime(checkInFrom) })}</p>
        ) : null}
        {shift.checkedInAt ? <p>{t("shifts.checkedInAt", { time: clock.formatTime(shift.checkedInAt) })}</p> : null}
        {shift.checkedOutAt ? <p>{t("shifts.checkedOutAt", { time: clock.formatTime(shift.checkedOutAt) })}</p> : null}
        {(isObserver || !coordinates) && !shift.myStatus && !shift.cancelled && new Date(shift.endsAt).getTime() > now && shift.claimBlocker ? (
          <ClaimBlocked reason={shift.claimBlocker} validUntil={validUntil} />
        ) : null}
        {isObserver ? <ShiftActions shift={shift} now={now} /> : null}
        {coordinates ? (
          <p>
            <Link to={`/coordinate/shifts/${shift.id}`}>{t("shifts.openRoster")}</Link>
          </p>
        ) : null}
      </div>
      {shift.meetingPointNote ? (
        <p>
          <strong>{t("zones.meetingPointNote")}:</strong> {shift.meetingPointNote}
        </p>
      ) : null}
      {shift.notes ? (
        <section aria-labelledby="notes-title">
          <h2 id="notes-title">{t("shifts.notes")}</h2>
          <p className="pre-wrap">{shift.notes}</p>
        </section>
      ) : null}
      <ZoneMap
        zones={[{ id: shift.zoneId, name: shift.zoneName, colour: shift.zoneColour, geometry: shift.zoneGeometry }]}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        height={240}
      />
    </div>
  );
}
