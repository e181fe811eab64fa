import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useOrgClock } from "~/components/use-org-clock";
import { hasRole, requireRole } from "~/modules/auth/guards.server";
import { listIntake } from "~/modules/hotline/hotline.server";
import { intakeFilters, STATUSES, VERIFICATIONS } from "~/modules/hotline/constants";
import type { RouteHandle } from "~/root";

// Calls logged by the hotline, newest first (docs/decisions/025-hotline-intake.md): hotline
// volunteers, coordinators, admins and attorneys; public.intake_overview shows each the overview.

export const handle: RouteHandle = { titleKey: "hotline.listTitle" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "hotline", "coordinator", "admin", "attorney");
  const filters = intakeFilters(new URL(request.url).searchParams);
  return { calls: await listIntake(user.claims, filters), filters, canLog: hasRole(user, "hotline") };
}

export default function HotlineCalls() {
  const { t } = useTranslation();
  const { calls, filters, canLog } = useLoaderData<typeof loader>();
  const clock = useOrgClock();
  return (
    <div className="stack">
      <h1>{t("hotline.listTitle")}</h1>
      <p>{t("hotline.listIntro")}</p>
      {canLog ? (
        <p>
          <Link to="/hotline/new" className="button primary">
            {t("hotline.logCall")}
          </Link>
        </p>
      ) : null}
      <Form method="get" className="card inline-forms" aria-label={t("hotline.filters")}>
        <div className="field">
          <label htmlFor="filter-verification">{t("hotline.filterVerification")}</label>
          <select id="filter-verification" name="verification" defaultValue={filters.verification ?? ""}>
            <option value="">{t("hotline.any")}</option>
            {VERIFICATIONS.map((v) => (
              <option key={v} value={v}>
                {t(`hotline.verification.${v}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">{t("hotline.filterStatus")}</label>
          <select id="filter-status" name="status" defaultValue={filters.status ?? ""}>
            <option value="">{t("hotline.any")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`reports.statusLabel.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          {t("hotline.apply")}
        </button>
      </Form>
      {calls.length === 0 ? <p className="empty">{t("hotline.none")}</p> : null}
      <ul className="shift-list">
        {calls.map((c) => (
          <li key={c.id}>
            <Link to={`/hotline/${c.id}`} className="shift-link">
              <strong>{c.crossStreets || c.zoneName || t("reports.noZone")}</strong>
              <span>
                {clock.formatDay(c.occurredAt, true)} · {clock.formatTime(c.occurredAt)}
              </span>
            </Link>
            <span className="shift-meta">
              <span className={`badge verification-${c.verification}`}>{t(`hotline.verification.${c.verification}`)}</span>
              <span className={`badge urgency-${c.urgency}`}>{t(`reports.urgencyLevel.${c.urgency}`)}</span>
              <span className="badge">{t(`reports.statusLabel.${c.status}`)}</span>
              {c.zoneName && c.crossStreets ? <span className="badge">{c.zoneName}</span> : null}
              {c.mine ? <span className="badge">{t("hotline.loggedByYou")}</span> : null}
              {c.verifyingReports ? <span className="badge">{t("hotline.verifyingReports", { count: c.verifyingReports })}</span> : null}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
