import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { ClaimBlocked } from "~/components/claim-blocked";
import { hasRole, requireUser } from "~/modules/auth/guards.server";
import { myClaimStanding } from "~/modules/shifts/changes.server";
import { SPOKEN_LANGUAGES } from "~/modules/people/spoken-languages";
import { formatDay, localDate } from "~/modules/clock/format";
import { ShiftFiltersSchema } from "~/modules/shifts/schema";
import { listUpcomingShifts, openSpotsByZone, upcomingShiftsByDay, type ShiftDay } from "~/modules/shifts/shifts.server";
import { Needs, Notice, ShiftActions, ShiftStatusBadge, Spots } from "~/components/shift-bits";
import { listedShiftAction } from "~/modules/shifts/actions.server";
import { useOrgClock } from "~/components/use-org-clock";
import { localDateTime } from "~/modules/zones/window";
import { listZones, myZoneIds } from "~/modules/zones/zones.server";
import { publicSettings } from "~/modules/settings/settings.server";
import type { RootLoader, RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "shifts.title" };
export const links: LinksFunction = () => mapLinks();

const DAYS_AHEAD = 14;
/**
 * Without a day picked, whole days are listed until at least this many shifts; the days after
 * become links with their counts. A busy fortnight (hundreds of shifts) stays a page a phone on a
 * weak signal loads quickly, and a day is never cut in half.
 */
const LIST_SHIFTS = 40;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const url = new URL(request.url);
  const filters = ShiftFiltersSchema.parse(Object.fromEntries(url.searchParams));
  const view = url.searchParams.get("view") === "map" ? "map" : "list";
  const { timeZone } = await publicSettings();
  const now = new Date();
  let from = now;
  let to = new Date(now.getTime() + DAYS_AHEAD * 86_400_000);
  if (filters.day) {
    const start = localDateTime(`${filters.day}T00:00`, timeZone);
    const next = start && new Date(start.getTime() + 36 * 3_600_000);
    const end = next && localDateTime(`${localDate(next, timeZone)}T00:00`, timeZone);
    if (start && end) {
      from = start < now ? now : start;
      to = end;
    }
  }
  // What does not depend on where the list stops is read meanwhile.
  // The map alone draws the zones and their open spots: the list sends neither (a drawn zone's outline is kilobytes).
  const onMap = view === "map";
  const others = Promise.all([
    listZones(user.claims),
    myZoneIds(user.claims),
    onMap ? openSpotsByZone(user.claims, from, to) : Promise.resolve(new Map<string, number>()),
    myClaimStanding(user.claims),
  ]);
  // Without a day picked, whole days until at least LIST_SHIFTS shifts, the days after as links.
  const [[zones, mine, open, standing], { shifts, later }] = await Promise.all([
    others,
    filters.day
      ? listUpcomingShifts(user.claims, { ...filters, from, to }).then((shifts) => ({ shifts, later: [] as ShiftDay[] }))
      : upcomingShiftsByDay(user.claims, { ...filters, from, to }, timeZone, LIST_SHIFTS),
  ]);
  const mineSet = new Set(mine);
  const active = zones.filter((z) => !z.retired);
  return {
    filters,
    view,
    now: now.getTime(),
    today: localDate(now, timeZone),
    shifts,
    later,
    zones: active
      .map((z) => ({ id: z.id, name: z.name, colour: z.colour, mine: mineSet.has(z.id), geometry: onMap ? z.geometry : null, open: open.get(z.id) ?? null }))
      .sort((a, b) => Number(b.mine) - Number(a.mine) || a.name.localeCompare(b.name)),
    mine,
    // Coordinators who do not observe are not told they cannot claim; everyone else is, up front.
    standing: hasRole(user, "observer") || !(hasRole(user, "coordinator") || hasRole(user, "admin")) ? standing : null,
  };
}

/** "Claim shift" from the list: the shift page's own action (claim, or the waitlist when it filled meanwhile). */
export async function action({ request, context }: ActionFunctionArgs) {
  return listedShiftAction(request, context);
}

export default function Shifts() {
  const { t, i18n } = useTranslation();
  const { filters, view, now, shifts, later, zones, today, standing } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  const location = useLocation();
  const clock = useOrgClock();
  const lang = i18n.language;
  const byDay = new Map<string, typeof shifts>();
  for (const shift of shifts) {
    const day = clock.localDate(shift.startsAt);
    byDay.set(day, [...(byDay.get(day) ?? []), shift]);
  }
  const filtered = Boolean(filters.day || filters.zone || filters.language);
  const canClaim = standing?.eligibility === "ok";
  const colourOf = (open: number | null) => (open === null ? "#6b7280" : open > 0 ? "#15803d" : "#b45309");
  const tooltipOf = (open: number | null) => (open === null ? t("shifts.map.none") : open > 0 ? t("shifts.map.open", { count: open }) : t("shifts.map.full"));
  // The switch keeps the day and filters; `index` is what a form posted to this page left in the address.
  const viewHref = (to: "list" | "map") => {
    const params = new URLSearchParams(location.search);
    params.delete("index");
    if (to === "map") params.set("view", "map");
    else params.delete("view");
    const search = params.toString();
    return search ? `/shifts?${search}` : "/shifts";
  };

  return (
    <div className="stack">
      <h1>{t("shifts.title")}</h1>
      {standing && standing.eligibility !== "ok" ? <ClaimBlocked reason={standing.eligibility} validUntil={standing.validUntil} now /> : null}
      <nav aria-label={t("phone.view")} className="view-switch">
        {(["list", "map"] as const).map((v) => (
          <Link key={v} to={viewHref(v)} aria-current={view === v ? "page" : undefined} preventScrollReset>
            {t(`phone.${v}`)}
          </Link>
        ))}
      </nav>
      <Notice notice={actionData?.notice} trigger={actionData} />
      {filtered ? (
        <p>
          <Link to={view === "map" ? "/shifts?view=map" : "/shifts"}>{t("shifts.clearFilters")}</Link>
        </p>
      ) : null}
      {/* Folded even when used, so the shifts stay on the first screen; the list's heading and "Clear filters" say what is applied. */}
      <details className="card filter-panel">
        <summary>{t("shifts.filters")}</summary>
        <p className="help">{t("shifts.intro")}</p>
        <Form method="get" className="filters">
          {view === "map" ? <input type="hidden" name="view" value="map" /> : null}
          <div className="field">
            <label htmlFor="filter-day">{t("shifts.filterDay")}</label>
            <input id="filter-day" type="date" name="day" min={today} defaultValue={filters.day ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="filter-zone">{t("shifts.filterZone")}</label>
            <select id="filter-zone" name="zone" defaultValue={filters.zone ?? ""}>
              <option value="">{t("shifts.anyZone")}</option>
              {zones.map((z) => (
                <option key={z.id} value={z.id}>
                  {z.mine ? `★ ${z.name}` : z.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-language">{t("shifts.filterLanguage")}</label>
            <select id="filter-language" name="language" defaultValue={filters.language ?? ""}>
              <option value="">{t("shifts.anyLanguage")}</option>
              {SPOKEN_LANGUAGES.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <div className="filter-actions">
            <button type="submit" className="primary">
              {t("shifts.applyFilters")}
            </button>
          </div>
        </Form>
      </details>

      {view === "list" ? (
        <section>
          <h2 id="list-title">{filters.day ? formatDay(`${filters.day}T12:00:00Z`, "UTC", lang) : t("shifts.nextTwoWeeks")}</h2>
          {shifts.length === 0 ? <p className="empty">{filtered ? t("shifts.noneMatching") : t("shifts.none")}</p> : null}
          {[...byDay.entries()].map(([day, list]) => (
            <section key={day} aria-labelledby={`day-${day}`} className="day-group">
              <h3 id={`day-${day}`}>{clock.formatDay(list[0]!.startsAt)}</h3>
              <ul className="shift-list">
                {list.map((shift) => (
                  <li key={shift.id} style={{ "--zone": shift.zoneColour } as React.CSSProperties}>
                    <Link to={`/shifts/${shift.id}`} className="shift-link" id={`shift-${shift.id}`}>
                      <strong>{shift.zoneName}</strong>
                      <span>{clock.formatShiftTime(shift.startsAt, shift.endsAt, true).split(" · ")[1]}</span>
                    </Link>
                    <span className="shift-meta">
                      <Spots shift={shift} /> <ShiftStatusBadge shift={shift} /> <Needs shift={shift} />
                      {canClaim && !shift.myStatus && shift.claimBlocker && shift.claimBlocker !== "ok" ? (
                        <span className="badge warn">{t(`shiftChange.claim.badge.${shift.claimBlocker}`)}</span>
                      ) : null}
                    </span>
                    {/* Claim (or join the waitlist) right here; anything else about a shift is on its page. */}
                    {canClaim && !shift.myStatus ? <ShiftActions shift={shift} now={now} describedBy={`shift-${shift.id}`} /> : null}
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {later.length > 0 ? (
            <section aria-labelledby="later-title" className="day-group">
              <h3 id="later-title">{t("shifts.laterDays")}</h3>
              <p className="help">{t("shifts.laterDaysHelp")}</p>
              <ul className="later-days">
                {later.map((d) => (
                  <li key={d.day}>
                    <Link to={`/shifts?${new URLSearchParams({ ...(filters.zone ? { zone: filters.zone } : {}), ...(filters.language ? { language: filters.language } : {}), day: d.day })}`}>
                      {formatDay(`${d.day}T12:00:00Z`, "UTC", lang)}
                    </Link>
                    <span>
                      {t("shifts.dayShifts", { count: d.shifts })} · {d.withSpots > 0 ? t("shifts.daySpots", { count: d.withSpots }) : t("shifts.dayFull")}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </section>
      ) : (
        <section aria-labelledby="map-title">
          <h2 id="map-title">{t("shifts.mapTitle")}</h2>
          <p className="help">{t("phone.mapLabelsHelp")}</p>
          <ZoneMap
            zones={zones.flatMap((z) =>
              z.geometry
                ? [{ id: z.id, name: z.name, colour: colourOf(z.open), geometry: z.geometry, emphasis: z.mine, tooltip: `${z.name}: ${tooltipOf(z.open)}`, href: `/shifts?zone=${z.id}` }]
                : [],
            )}
            tileUrl={root?.settings.mapTileUrl ?? ""}
            attribution={root?.settings.mapAttribution ?? ""}
            height={420}
            labelZones
          />
          <ul className="zone-list legend">
            {zones.map((z) => (
              <li key={z.id} style={{ "--zone": colourOf(z.open) } as React.CSSProperties} className={z.mine ? "mine" : undefined}>
                <Link to={`/shifts?zone=${z.id}`}>{z.name}</Link>
                <span>
                  {z.mine ? <span className="badge">{t("zones.yourZone")}</span> : null} {tooltipOf(z.open)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
