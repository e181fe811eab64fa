import { Form, Link, useSubmit } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, FieldErrors } from "~/components/ui/field";
import { AGENCIES, filterErrors, queueSearch, REPORT_STATUSES, URGENCIES, VERIFICATIONS, WARRANTS, type QueueFilters } from "~/modules/review/filters";

export interface ReviewFiltersProps {
  /** The current filters, as `parseQueueFilters(url.searchParams)` read them. */
  filters: QueueFilters;
  /** Zones to filter by (the zones the attorney can see; retired ones are marked). */
  zones: { id: string; name: string; retired?: boolean }[];
  /** Where the GET form goes: the page showing it, `/review` (the list) or `/review/map`. */
  action: "/review" | "/review/map";
}

/** The number of filters set (the sort is not a filter). */
export function activeFilterCount(filters: QueueFilters) {
  return (
    filters.status.length +
    filters.urgency.length +
    [filters.verification, filters.zone, filters.agency, filters.warrant, filters.from, filters.to, filters.assigned].filter(Boolean).length
  );
}

/**
 * The review queue's filters, shared by the list and the map: a plain GET form (it works without
 * JavaScript, and the URL can be shared), then a List / Map switch that keeps the query.
 * Statuses and urgencies are checkboxes (any of them); the rest are single choices. The list's
 * sort order is carried along as a hidden field, so filtering never resets it.
 */
export function ReviewFilters({ filters, zones, action }: ReviewFiltersProps) {
  const { t } = useTranslation();
  const search = queueSearch(filters);
  const active = activeFilterCount(filters);
  const full = { gridColumn: "1 / -1" };
  const submit = useSubmit();
  const errors = filterErrors(filters);
  // With JavaScript, empty choices stay out of the URL (without it, the browser sends them and
  // the parser ignores them).
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(event.currentTarget)) if (typeof value === "string" && value) params.append(name, value);
    submit(params, { method: "get", action });
  };
  return (
    <div className="review-filters">
      <nav aria-label={t("reviewFilters.viewSwitch")} className="filter-actions">
        <Link to={`/review${search}`} aria-current={action === "/review" ? "page" : undefined} className={action === "/review" ? "button primary" : "button secondary"}>
          {t("reviewFilters.list")}
        </Link>
        <Link to={`/review/map${search}`} aria-current={action === "/review/map" ? "page" : undefined} className={action === "/review/map" ? "button primary" : "button secondary"}>
          {t("reviewFilters.map")}
        </Link>
      </nav>
      <Form id="review-filters" method="get" action={action} onSubmit={onSubmit} className="filters card" aria-labelledby="review-filters-title">
        <h2 id="review-filters-title" style={full}>
          {t("reviewFilters.title")} {active ? <span className="badge">{t("reviewFilters.active", { count: active })}</span> : null}
        </h2>
        <div style={full}>
          <ErrorSummary errors={errors} idOf={(name) => `rf-${name}`} formId="review-filters" />
        </div>
        {filters.sort !== "urgency" ? <input type="hidden" name="sort" value={filters.sort} /> : null}
        <fieldset style={full}>
          <legend>{t("reviewFilters.status")}</legend>
          <div className="checks">
            {REPORT_STATUSES.map((s) => (
              <label key={s}>
                <input type="checkbox" name="status" value={s} defaultChecked={filters.status.includes(s)} />
                {t(`reports.statusLabel.${s}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset style={full}>
          <legend>{t("reviewFilters.urgency")}</legend>
          <div className="checks">
            {URGENCIES.map((u) => (
              <label key={u}>
                <input type="checkbox" name="urgency" value={u} defaultChecked={filters.urgency.includes(u)} />
                {t(`reviewFilters.urgencyLevel.${u}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="rf-verification">{t("reviewFilters.verification")}</label>
          <select id="rf-verification" name="verification" defaultValue={filters.verification ?? ""}>
            <option value="">{t("reviewFilters.any")}</option>
            {VERIFICATIONS.map((v) => (
              <option key={v} value={v}>
                {t(`reviewFilters.verificationLevel.${v}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-zone">{t("reviewFilters.zone")}</label>
          <select id="rf-zone" name="zone" defaultValue={filters.zone ?? ""}>
            <option value="">{t("reviewFilters.anyZone")}</option>
            {zones.map((z) => (
              <option key={z.id} value={z.id}>
                {z.retired ? t("reviewFilters.retiredZone", { name: z.name }) : z.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-agency">{t("reviewFilters.agency")}</label>
          <select id="rf-agency" name="agency" defaultValue={filters.agency ?? ""}>
            <option value="">{t("reviewFilters.any")}</option>
            {AGENCIES.map((a) => (
              <option key={a} value={a}>
                {t(`reports.agency.${a}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-warrant">{t("reviewFilters.warrant")}</label>
          <select id="rf-warrant" name="warrant" defaultValue={filters.warrant ?? ""}>
            <option value="">{t("reviewFilters.any")}</option>
            {WARRANTS.map((w) => (
              <option key={w} value={w}>
                {t(`reports.warrantType.${w}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rf-from">{t("reviewFilters.from")}</label>
          <input id="rf-from" type="date" name="from" defaultValue={filters.from ?? ""} max={errors ? undefined : (filters.to ?? undefined)} />
        </div>
        <div className="field">
          <label htmlFor="rf-to">{t("reviewFilters.to")}</label>
          <input
            id="rf-to"
            type="date"
            name="to"
            defaultValue={filters.to ?? ""}
            min={errors ? undefined : (filters.from ?? undefined)}
            aria-invalid={errors ? true : undefined}
            aria-describedby={errors ? "rf-to-error" : undefined}
          />
          <FieldErrors id="rf-to-error" errors={errors?.to} />
        </div>
        <div className="field">
          <label htmlFor="rf-assigned">{t("reviewFilters.assigned")}</label>
          <select id="rf-assigned" name="assigned" defaultValue={filters.assigned ?? ""}>
            <option value="">{t("reviewFilters.anyone")}</option>
            <option value="me">{t("reviewFilters.assignedMe")}</option>
            <option value="none">{t("reviewFilters.assignedNone")}</option>
          </select>
        </div>
        <div className="filter-actions" style={full}>
          <button type="submit" className="primary">
            {t("reviewFilters.apply")}
          </button>
          {active ? <Link to={filters.sort !== "urgency" ? `${action}?sort=${filters.sort}` : action}>{t("reviewFilters.clear")}</Link> : null}
        </div>
      </Form>
    </div>
  );
}
