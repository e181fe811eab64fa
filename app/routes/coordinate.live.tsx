import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigate, useRouteLoaderData, useSearchParams } from "@remix-run/react";
import { useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { DispatchForm, PointForm } from "~/components/dispatch/dispatch-form";
import { DispatchPanel } from "~/components/dispatch/dispatch-panel";
import liveCss from "~/components/live/live-board.css?url";
import { useLiveBoard, useMinuteClock, type Connection } from "~/components/live/use-live-board";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { Notice } from "~/components/shift-bits";
import { DomainError } from "~/db/errors.server";
import { useOrgClock } from "~/components/use-org-clock";
import { requireRole } from "~/modules/auth/guards.server";
import { cancelDispatch, createDispatch, previewDispatch, type DispatchPreview } from "~/modules/dispatch/dispatch.server";
import { NOTE_MAX, parseDispatchForm, parseTarget, type FieldErrors } from "~/modules/dispatch/schema";
import { isShortSoon, type BoardObserver, type BoardReport, type LiveEvent } from "~/modules/live/board";
import { acknowledgeSafetyAlert, boardSnapshot } from "~/modules/live/live.server";
import type { ShiftNotice } from "~/modules/shifts/notice";
import { listZones } from "~/modules/zones/zones.server";
import type { RootLoader, RouteHandle } from "~/root";
import { redirectWithFlash } from "~/utils/flash.server";
import { readForm } from "~/utils/form.server";
import { UUID } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "live.title" };
export const links: LinksFunction = () => [...mapLinks(), { rel: "stylesheet", href: liveCss }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const params = new URL(request.url).searchParams;
  // ?report=… or ?lat=…&lng=…: the "Send observers" form for that place, with who it would reach.
  const { target, errors } = parseTarget(params);
  const [board, zones, preview] = await Promise.all([
    boardSnapshot(user.claims),
    listZones(user.claims),
    target
      ? previewDispatch(user.claims, target).catch((error: unknown) => {
          if (error instanceof DomainError) return error;
          throw error;
        })
      : null,
  ]);
  const problem: FieldErrors = preview instanceof DomainError ? { report: preview.messageKey } : errors;
  return data(
    {
      board,
      zones: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, name: z.name, colour: z.colour, geometry: z.geometry })),
      takenAt: new Date().toISOString(),
      dispatch: {
        preview: preview instanceof DomainError ? null : (preview as DispatchPreview | null),
        problem,
        // A fresh key for each form shown: sending it twice makes one dispatch.
        clientKey: crypto.randomUUID(),
      },
    },
    { status: Object.keys(problem).length ? (preview instanceof DomainError ? preview.status : 400) : 200 },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const form = await readForm(request, 8 * 1024);
  const intent = form.get("intent");
  if (intent === "dispatch") {
    const parsed = parseDispatchForm(form);
    // What the coordinator typed comes back with any refusal (without JavaScript the form is new).
    const dispatchNote = String(form.get("note") ?? "").slice(0, 2 * NOTE_MAX);
    if (!parsed.ok) return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice, dispatchErrors: parsed.errors, dispatchNote }, { status: 400 });
    try {
      const { id, recipients } = await createDispatch(user.claims, parsed.value);
      return redirectWithFlash(`/coordinate/live#dispatch-${id}`, { key: "dispatch.sent", values: { count: recipients } });
    } catch (error) {
      if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice, dispatchNote }, { status: error.status });
      throw error;
    }
  }
  if (intent === "cancelDispatch") {
    const dispatchId = String(form.get("dispatchId") ?? "");
    if (!UUID.test(dispatchId)) return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice }, { status: 400 });
    try {
      await cancelDispatch(user.claims, dispatchId);
      return data({ notice: { key: "dispatch.panel.cancelledNotice", tone: "ok" } as ShiftNotice });
    } catch (error) {
      if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice }, { status: error.status });
      throw error;
    }
  }
  const alertId = String(form.get("alertId") ?? "");
  if (intent !== "acknowledge" || !UUID.test(alertId)) {
    return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice }, { status: 400 });
  }
  try {
    await acknowledgeSafetyAlert(user.claims, alertId);
    return data({ notice: { key: "live.acknowledged", tone: "ok" } as ShiftNotice });
  } catch (error) {
    if (error instanceof DomainError) return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice }, { status: error.status });
    throw error;
  }
}

const STATUS_KEY: Record<Connection, string> = {
  snapshot: "live.status.snapshot",
  connecting: "live.status.connecting",
  live: "live.status.live",
  reconnecting: "live.status.reconnecting",
};

/** Zones with someone checked in, in a fill that differs in lightness too; always with text beside. */
const OUT_FILL = "#15803d";

export default function LiveBoard() {
  const { t } = useTranslation();
  const { board, zones, takenAt, dispatch } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const time = clock.formatTime;
  const [announcement, setAnnouncement] = useState("");

  const zoneName = useMemo(() => new Map(zones.map((z) => [z.id, z.name])), [zones]);
  const onEvent = useCallback(
    (event: LiveEvent) => {
      const p = event.payload as Record<string, string>;
      if (event.kind === "report_submitted") {
        const zone = (p.zone_id && zoneName.get(p.zone_id)) || t("live.noZone");
        setAnnouncement(t("live.announce.report", { zone, urgency: t(`live.urgency.${p.urgency ?? "high"}`) }));
      } else if (event.kind === "safety_alert_raised") {
        setAnnouncement(t("live.announce.alert", { name: p.observer_name ?? "" }));
      } else if (event.kind === "dispatch_answered" && (p.response === "on_my_way" || p.response === "cant")) {
        setAnnouncement(t("dispatch.announce.answer", { name: p.observer_name ?? "", response: t(`dispatch.response.${p.response}`) }));
      }
    },
    [t, zoneName],
  );
  const { state, connection } = useLiveBoard(board, onEvent);

  const byZone = useMemo(() => {
    const groups = new Map<string, { zoneName: string; observers: BoardObserver[] }>();
    for (const o of state.observers) {
      const group = groups.get(o.zoneId) ?? { zoneName: o.zoneName, observers: [] };
      group.observers.push(o);
      groups.set(o.zoneId, group);
    }
    return [...groups.entries()];
  }, [state.observers]);
  const outIn = (zoneId: string) => state.observers.filter((o) => o.zoneId === zoneId).length;
  const now = useMinuteClock(takenAt);
  // A shift leaves the list once it has started (the missed check-in alerts take over from there).
  const shortSoon = state.shortShifts.filter((s) => isShortSoon(s, now));
  // A tap on the map: the "Send observers" form for that point (the page's address says which).
  const onPick = useCallback(
    (point: { lat: number; lng: number }) => navigate(`/coordinate/live?lat=${point.lat}&lng=${point.lng}`, { preventScrollReset: true }),
    [navigate],
  );
  const preview = dispatch.preview;
  const pin = preview?.point ?? null;

  return (
    <div className="stack live-board">
      <h1>{t("live.title")}</h1>
      <p>{t("live.intro")}</p>
      <p className={`live-status ${connection}`}>
        <span role="status">{t(STATUS_KEY[connection], { time: time(takenAt) })}</span>{" "}
        {connection !== "live" ? <a href="/coordinate/live">{t("live.refresh")}</a> : null}
      </p>
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>
      <Notice notice={actionData?.notice} trigger={actionData} />
      {preview ? <DispatchForm key={dispatch.clientKey} preview={preview} clientKey={dispatch.clientKey} errors={(actionData as { dispatchErrors?: FieldErrors } | undefined)?.dispatchErrors} note={(actionData as { dispatchNote?: string } | undefined)?.dispatchNote} /> : null}
      {dispatch.problem.report ? (
        <p className="notice error" role="alert">
          {t(dispatch.problem.report)}
        </p>
      ) : null}

      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">
          {t("live.alertsTitle")} ({state.alerts.length})
        </h2>
        {state.alerts.length === 0 ? <p className="empty">{t("live.noAlerts")}</p> : null}
        <ul className="live-list">
          {state.alerts.map((a) => (
            <li key={a.alertId} className={a.observerOkAt ? "alert ok" : "alert"}>
              <strong id={`alert-${a.alertId}`}>{t(`live.alert.${a.alertKind}`, { name: a.observerName })}</strong>
              <span>{t(`live.alertDetail.${a.alertKind}`, { zone: a.zoneName, time: time(a.alertKind === "missed_check_in" ? a.startsAt : a.endsAt) })}</span>
              <span className="help">{t("live.raisedAt", { time: time(a.raisedAt) })}</span>
              {a.observerOkAt ? <span className="badge ok">{t("live.saysOk", { time: time(a.observerOkAt) })}</span> : null}
              <span className="actions">
                {a.observerPhone ? (
                  <a className="button secondary" href={`tel:${a.observerPhone.replace(/[^\d+]/g, "")}`}>
                    {t("live.call", { phone: a.observerPhone })}
                  </a>
                ) : null}
                <Form method="post">
                  <input type="hidden" name="intent" value="acknowledge" />
                  <input type="hidden" name="alertId" value={a.alertId} />
                  <button type="submit" className="primary" aria-describedby={`alert-${a.alertId}`}>
                    {t("live.acknowledge")}
                  </button>
                </Form>
              </span>
            </li>
          ))}
        </ul>
      </section>

      <DispatchPanel dispatches={state.dispatches} time={time} />

      <section aria-labelledby="reports-title">
        <h2 id="reports-title">{t("live.reportsTitle")}</h2>
        {state.reports.length === 0 ? <p className="empty">{t("live.noReports")}</p> : null}
        <ol className="live-list">
          {state.reports.map((r) => (
            <ReportItem key={r.id} report={r} zone={(r.zoneId && zoneName.get(r.zoneId)) || t("live.noZone")} time={time} sending={preview?.target.kind === "report" && preview.target.reportId === r.id} />
          ))}
        </ol>
      </section>

      <ZoneMap
        zones={zones.map((z) => {
          const count = outIn(z.id);
          return {
            id: z.id,
            name: z.name,
            colour: z.colour,
            fill: count > 0 ? OUT_FILL : undefined,
            tooltip: t("live.zoneTooltip", { zone: z.name, count }),
            geometry: z.geometry,
          };
        })}
        markers={state.reports.flatMap((r) =>
          r.point ? [{ id: r.id, lat: r.point.lat, lng: r.point.lng, label: t("live.reportMarker", { time: time(r.occurredAt), urgency: t(`live.urgency.${r.urgency}`) }) }] : [],
        )}
        tileUrl={root?.settings.mapTileUrl ?? ""}
        attribution={root?.settings.mapAttribution ?? ""}
        height={360}
        pin={pin}
        onPick={onPick}
      />
      <p className="help">{t("live.mapHelp")}</p>
      <PointForm
        key={`${params.get("lat") ?? ""},${params.get("lng") ?? ""}`}
        lat={params.get("lat") ?? ""}
        lng={params.get("lng") ?? ""}
        errors={dispatch.problem}
      />

      <section aria-labelledby="out-title">
        <h2 id="out-title">
          {t("live.outTitle")} ({state.observers.length})
        </h2>
        {byZone.length === 0 ? <p className="empty">{t("live.noneOut")}</p> : null}
        {byZone.map(([zoneId, group]) => (
          <section key={zoneId} aria-labelledby={`zone-${zoneId}`} className="live-zone">
            <h3 id={`zone-${zoneId}`}>{t("live.zoneCount", { zone: group.zoneName, count: group.observers.length })}</h3>
            <ul className="live-list">
              {group.observers.map((o) => (
                <li key={o.assignmentId}>
                  <strong>{o.observerName}</strong>
                  <span>
                    {o.checkedInAt ? t("live.since", { time: time(o.checkedInAt) }) : null} ·{" "}
                    {new Date(o.endsAt).getTime() < now ? (
                      <span className="badge warn">{t("live.overdue", { time: time(o.endsAt) })}</span>
                    ) : (
                      t("live.until", { time: time(o.endsAt) })
                    )}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </section>

      <section aria-labelledby="short-title">
        <h2 id="short-title">{t("live.shortTitle")}</h2>
        {shortSoon.length === 0 ? <p className="empty">{t("live.noShort")}</p> : null}
        <ul className="live-list">
          {shortSoon.map((s) => (
            <li key={s.shiftId}>
              <Link to={`/coordinate/shifts/${s.shiftId}`}>
                <strong>{s.zoneName}</strong> · {time(s.startsAt)}–{time(s.endsAt)}
              </Link>
              <span className="spots open">{t("live.staffing", { claimed: s.claimed, capacity: s.capacity })}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function ReportItem({ report: r, zone, time, sending }: { report: BoardReport; zone: string; time: (iso: string) => string; sending: boolean }) {
  const { t } = useTranslation();
  const facts = [
    r.activities.map((a) => t(`reports.activity.${a}`)).join(", "),
    r.agencies.map((a) => t(`reports.agency.${a}`)).join(", "),
    r.agentCountMin !== null ? `${t("live.agents", { count: r.agentCountMin })}${r.agentsPossiblyMore ? ` (${t("live.possiblyMore")})` : ""}` : "",
    r.vehicleCount !== null ? t("live.vehicles", { count: r.vehicleCount }) : "",
    r.crossStreets,
  ].filter(Boolean);
  return (
    <li className={`report urgency-${r.urgency}`}>
      <span className="report-head" id={`report-${r.id}`}>
        <strong>{zone}</strong>
        <span className={r.urgency === "critical" ? "badge urgency-critical" : "badge"}>{t(`live.urgency.${r.urgency}`)}</span>
        <span>{t("live.seen", { time: time(r.occurredAt) })}</span>
      </span>
      {facts.length ? <span>{facts.join(" · ")}</span> : null}
      <span className="actions">
        <Link
          to={`/coordinate/live?report=${r.id}`}
          className="button secondary"
          aria-describedby={`report-${r.id}`}
          aria-current={sending ? "true" : undefined}
          preventScrollReset
        >
          {t("dispatch.send")}
        </Link>
      </span>
    </li>
  );
}
