import type { RouteHandle } from "~/root";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ShiftActions, ShiftStatusBadge } from "~/components/shift-bits";
import { useOrgClock } from "~/components/use-org-clock";
import { hasRole, requireUser } from "~/modules/auth/guards.server";
import { myShifts } from "~/modules/shifts/shifts.server";
import { PushAlerts } from "~/components/push-alerts";
import { KnowYourRights } from "~/components/know-your-rights";
import { pushAlertsState } from "~/modules/push/subscriptions.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  // An observer's next shift comes first: check-in is one tap from the home page.
  const observer = hasRole(user, "observer");
  const [next, push] = await Promise.all([
    // The shift they are checked in on, else the next one still ahead of them (not one already checked out of).
    observer
      ? myShifts(user.claims).then(
          (mine) =>
            mine.upcoming.find((s) => s.myStatus === "checked_in") ??
            mine.upcoming.find((s) => !s.cancelled && s.myStatus !== "checked_out" && s.myStatus !== "no_show") ??
            null,
        )
      : null,
    observer ? pushAlertsState(user.claims) : null,
  ]);
  return { displayName: user.displayName || user.email, roles: user.roles, trainingDate: user.trainingDate, next, push, now: Date.now() };
}

export default function Home() {
  const { t, i18n } = useTranslation();
  const { displayName, roles, trainingDate, next, push, now } = useLoaderData<typeof loader>();
  const clock = useOrgClock();
  return (
    <div className="stack">
      <h1>{t("home.title", { name: displayName })}</h1>
      {/* An observer's shift comes first; on it, "Report an incident" leads and "Check out" follows (ShiftActions). */}
      {roles.includes("observer") ? (
        <section className="card stack" aria-labelledby="next-shift-title">
          <h2 id="next-shift-title">{next?.myStatus === "checked_in" ? t("phone.home.onShift", { zone: next.zoneName }) : t("home.nextShift")}</h2>
          {next ? (
            <>
              {next.myStatus === "checked_in" ? <ShiftActions shift={next} now={now} action="/my/shifts" /> : null}
              <p>
                <Link to={`/shifts/${next.id}`}>
                  <strong>{next.zoneName}</strong> · {clock.formatShiftTime(next.startsAt, next.endsAt)}
                </Link>{" "}
                <ShiftStatusBadge shift={next} />
              </p>
              {next.meetingPointNote ? <p className="help">{next.meetingPointNote}</p> : null}
              {next.myStatus === "checked_in" ? null : <ShiftActions shift={next} now={now} action="/my/shifts" />}
            </>
          ) : (
            <p>{t("home.noNextShift")}</p>
          )}
          <p>
            <Link to="/shifts">{t("myShifts.findShifts")}</Link> · <Link to="/my/shifts">{t("nav.myShifts")}</Link>
          </p>
        </section>
      ) : null}
      <p>
        {t("home.yourRoles")}:{" "}
        {roles.length ? roles.map((r) => t(`roles.${r}`)).join(", ") : t("home.noRoles")}
      </p>
      {roles.includes("observer") ? (
        <section className="card" aria-labelledby="observer-home">
          <h2 id="observer-home">{t("home.observer.heading")}</h2>
          <p>{t("home.observer.body")}</p>
          {trainingDate ? (
            <p>{t("home.trainedOn", { date: new Date(`${trainingDate}T12:00:00`).toLocaleDateString(i18n.language, { dateStyle: "long" }) })}</p>
          ) : (
            <p className="warning">{t("home.trainingMissing")}</p>
          )}
        </section>
      ) : null}
      {push ? <PushAlerts publicKey={push.publicKey} devices={push.devices} /> : null}
      {roles.includes("observer") ? (
        <KnowYourRights />
      ) : null}
      {roles.includes("coordinator") ? (
        <section className="card" aria-labelledby="coordinator-home">
          <h2 id="coordinator-home">{t("home.coordinator.heading")}</h2>
          <p>{t("home.coordinator.body")}</p>
          <p className="inline-forms">
            <Link className="button primary" to="/coordinate/live">
              {t("live.home.open")}
            </Link>
            <Link className="button secondary" to="/admin/people">
              {t("home.coordinator.invite")}
            </Link>
          </p>
        </section>
      ) : null}
      {roles.includes("attorney") ? (
        <section className="card" aria-labelledby="attorney-home">
          <h2 id="attorney-home">{t("home.attorney.heading")}</h2>
          <p>{t("home.attorney.body")}</p>
          <p>
            <Link className="button primary" to="/review">
              {t("home.attorney.open")}
            </Link>
          </p>
        </section>
      ) : null}
      {roles.includes("hotline") ? (
        <section className="card" aria-labelledby="hotline-home">
          <h2 id="hotline-home">{t("hotline.listTitle")}</h2>
          <p>{t("hotline.listIntro")}</p>
          <p className="inline-forms">
            <Link className="button primary" to="/hotline/new">
              {t("hotline.logCall")}
            </Link>
            <Link className="button secondary" to="/hotline">
              {t("hotline.nav")}
            </Link>
          </p>
        </section>
      ) : null}
      {roles.includes("admin") ? (
        <section className="card" aria-labelledby="admin-home">
          <h2 id="admin-home">{t("home.admin.heading")}</h2>
          <p>{t("home.admin.body")}</p>
          <p className="inline-forms">
            <Link className="button secondary" to="/coordinate/live">
              {t("live.home.open")}
            </Link>
            <Link className="button secondary" to="/admin/people">
              {t("home.admin.people")}
            </Link>
            <Link className="button secondary" to="/admin/settings">
              {t("home.admin.settings")}
            </Link>
          </p>
        </section>
      ) : null}
    </div>
  );
}

export const handle: RouteHandle = { titleKey: "titles.home" };
