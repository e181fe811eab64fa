import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ReviewFilters } from "~/components/review-filters";
import { useOrgClock } from "~/components/use-org-clock";
import { hasRole, requireRole } from "~/modules/auth/guards.server";
import { REPORT_STATUSES, SORTS } from "~/modules/review/filters";
import { queueSearch } from "~/modules/review/filters";
import { parseQueueFilters, reviewQueue } from "~/modules/review/queue.server";
import { myOpenTasks } from "~/modules/review/review.server";
import { formatDayWithYear } from "~/modules/clock/format";
import { listZones } from "~/modules/zones/zones.server";
import type { RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "review.queueTitle" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney", "admin");
  const url = new URL(request.url);
  const filters = parseQueueFilters(url.searchParams);
  const isAttorney = hasRole(user, "attorney");
  const [page, zones, tasks] = await Promise.all([
    reviewQueue(user.claims, filters),
    listZones(user.claims),
    isAttorney ? myOpenTasks(user.claims) : Promise.resolve([]),
  ]);
  return {
    filters,
    page,
    zones: zones.map((z) => ({ id: z.id, name: z.name })),
    tasks,
    isAttorney,
    firstPage: filters.after !== null,
  };
}

export default function ReviewQueue() {
  const { t, i18n } = useTranslation();
  const { filters, page, zones, tasks, isAttorney, firstPage } = useLoaderData<typeof loader>();
  const clock = useOrgClock();
  const base = { ...filters, after: null };
  const statusLink = (status: (typeof REPORT_STATUSES)[number] | null) => `/review${queueSearch({ ...base, status: status ? [status] : [] })}`;
  const allCount = Object.values(page.counts).reduce((a, b) => a + b, 0);
  const onlyStatus = filters.status.length === 1 ? filters.status[0] : null;
  return (
    <div className="stack">
      <h1>{t("review.queueTitle")}</h1>
      <nav aria-label={t("review.statusTabs")} className="tabs">
        <ul>
          <li>
            <Link to={statusLink(null)} aria-current={filters.status.length === 0 ? "page" : undefined}>
              {t("review.allStatuses")} <span className="count">{allCount.toLocaleString(i18n.language)}</span>
            </Link>
          </li>
          {REPORT_STATUSES.map((s) => (
            <li key={s}>
              <Link to={statusLink(s)} aria-current={onlyStatus === s ? "page" : undefined}>
                {t(`reports.statusLabel.${s}`)} <span className="count">{page.counts[s].toLocaleString(i18n.language)}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <details className="card filters-card" open={Boolean(filters.verification || filters.urgency.length || filters.zone || filters.agency || filters.warrant || filters.from || filters.to || filters.assigned)}>
        <summary>{t("review.filters")}</summary>
        <ReviewFilters filters={base} zones={zones} action="/review" />
      </details>

      <p className="inline-forms">
        <span>{t("review.sortBy")}</span>
        {SORTS.map((sort) => (
          <Link key={sort} to={`/review${queueSearch({ ...base, sort })}`} aria-current={filters.sort === sort ? "true" : undefined} className="chip">
            {t(`review.sort.${sort}`)}
          </Link>
        ))}
      </p>

      <p className="inline-forms">
        <Link to={`/review/map${queueSearch(base)}`} className="button secondary">
          {t("review.showMap")}
        </Link>
        <a href={`/review/export.csv${queueSearch(base)}`} className="button secondary" download>
          {t("review.exportCsv")}
        </a>
        {isAttorney ? (
          <Link to="/review/share" className="button secondary">
            {t("review.shareAccess")}
          </Link>
        ) : null}
      </p>

      <p role="status">{t("review.matching", { count: page.total, formatted: page.total.toLocaleString(i18n.language) })}</p>

      {page.rows.length === 0 ? <p className="empty">{t("review.none")}</p> : null}
      <ul className="shift-list queue-list">
        {page.rows.map((r) => {
          const place = r.zoneName ?? (r.crossStreets || t("reports.noZone"));
          const when = `${clock.formatDay(r.occurredAt, true)} · ${clock.formatTime(r.occurredAt)}`;
          const row = (
            <>
              <strong>{place}</strong>
              <span>{when}</span>
            </>
          );
          return (
            <li key={r.id}>
              {isAttorney ? (
                <Link to={`/review/${r.id}`} className="shift-link">
                  {row}
                </Link>
              ) : (
                <div className="shift-link">{row}</div>
              )}
              <span className="shift-meta">
                <span className={`badge urgency-${r.urgency}`}>{t(`review.urgencyShort.${r.urgency}`)}</span>
                <span className="badge">{t(`reports.statusLabel.${r.status}`)}</span>
                {r.verification !== "unconfirmed" ? <span className="badge">{t(`review.verification.${r.verification}`)}</span> : null}
                {r.agencies.map((a) => (
                  <span key={a} className="badge">
                    {t(`reports.agency.${a}`)}
                  </span>
                ))}
                {r.warrant === "judicial" || r.warrant === "administrative" ? <span className="badge">{t(`review.warrantShort.${r.warrant}`)}</span> : null}
                {r.sealedDetained ? <span className="badge sealed">{t("reports.sealedDetained", { count: r.sealedDetained })}</span> : null}
                {r.legalHold ? <span className="badge">{t("review.legalHold")}</span> : null}
                <span className="badge">{r.assigneeName ? t("review.assignedTo", { name: r.assigneeName }) : t("review.unassigned")}</span>
              </span>
            </li>
          );
        })}
      </ul>
      <nav aria-label={t("review.pages")} className="inline-forms">
        {firstPage ? (
          <Link to={`/review${queueSearch(base)}`} className="button secondary">
            {t("review.firstPage")}
          </Link>
        ) : null}
        {page.next ? (
          <Link to={`/review${queueSearch(base, { after: page.next })}`} className="button secondary" rel="next">
            {t("review.nextPage")}
          </Link>
        ) : null}
      </nav>

      {isAttorney ? (
        <section className="card" aria-labelledby="my-tasks">
          <h2 id="my-tasks">{t("review.myTasks")}</h2>
          {tasks.length === 0 ? <p className="empty">{t("review.noTasks")}</p> : null}
          <ul>
            {tasks.map((task) => (
              <li key={task.id}>
                <Link to={`/review/${task.reportId}#tasks`}>{task.title}</Link>
                {task.dueOn ? ` · ${t("review.due", { date: formatDayWithYear(`${task.dueOn}T12:00:00Z`, "UTC", i18n.language) })}` : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
