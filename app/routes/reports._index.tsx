import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ReportsOnPhone } from "~/components/report-on-phone";
import { useOrgClock } from "~/components/use-org-clock";
import { requireRole } from "~/modules/auth/guards.server";
import { myReports } from "~/modules/reports/reports.server";
import type { RootLoader, RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "reports.listTitle" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  return { reports: await myReports(user.claims) };
}

export default function Reports() {
  const { t } = useTranslation();
  const { reports } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const revalidator = useRevalidator();
  return (
    <div className="stack">
      <h1>{t("reports.listTitle")}</h1>
      <p>
        <Link to="/reports/new" className="button primary">
          {t("reports.newTitle")}
        </Link>
      </p>
      {/* A report sent from the phone's outbox joins the list below. */}
      <ReportsOnPhone email={root?.user?.email} timeZone={clock.timeZone} includeSent={false} onSent={revalidator.revalidate} />
      {reports.length === 0 ? <p className="empty">{t("reports.none")}</p> : null}
      <ul className="shift-list">
        {reports.map((r) => (
          <li key={r.id}>
            <Link to={`/reports/${r.id}`} className="shift-link">
              <strong>{r.zoneName ?? (r.crossStreets || t("reports.noZone"))}</strong>
              <span>
                {clock.formatDay(r.occurredAt, true)} · {clock.formatTime(r.occurredAt)}
              </span>
            </Link>
            <span className="shift-meta">
              <span className={`badge urgency-${r.urgency}`}>{t(`reports.urgencyLevel.${r.urgency}`)}</span>
              <span className="badge">{t(`reports.statusLabel.${r.status}`)}</span>
              {r.activities.map((a) => (
                <span key={a} className="badge">
                  {t(`reports.activity.${a}`)}
                </span>
              ))}
              {r.sealedDetained ? <span className="badge sealed">{t("reports.sealedDetained", { count: r.sealedDetained })}</span> : null}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
