import { Form, Link, useLocation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { applyAlertEvent, isOpenAlert, type DispatchAlert, type DispatchAlertState } from "~/modules/dispatch/alerts";
import type { DispatchStreamEvent } from "./dispatch-stream.client";

/** What the root loader gives the banner: the alerts, and their times already written out (server and browser print the same). */
export interface DispatchBannerData extends DispatchAlertState {
  /** The server's clock when the page was made. */
  at: number;
  times: Record<string, string>;
}

/** Events kept to apply again over newer page data that was read before they were committed. */
const KEEP = 50;

/** A time for an alert that arrived live (never rendered on the server, so the browser's formatter is fine). */
const liveTime = (iso: string, timeZone: string, language: string) =>
  new Intl.DateTimeFormat(language === "es" ? "es" : "en-US", { hour: "numeric", minute: "2-digit", hour12: language !== "es", timeZone }).format(new Date(iso));

const placeOf = (alert: DispatchAlert, fallback: string) =>
  alert.crossStreets.trim() || (alert.point ? `${alert.point.lat}, ${alert.point.lng}` : fallback);

/**
 * The alert a coordinator's dispatch raises, at the top of every page for an observer who was
 * sent, with "On my way" / "Can't" (plain forms: they work without JavaScript). Observers who
 * are checked in keep a connection to /live/events, fetched lazily, so a new dispatch shows
 * here within a second or two.
 */
export function DispatchBanner({ data, timeZone }: { data: DispatchBannerData; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const [alerts, setAlertState] = useState(data.alerts);
  const current = useRef(data.alerts);
  const setAlerts = (next: DispatchAlert[]) => {
    current.current = next;
    setAlertState(next);
  };
  const [times, setTimes] = useState(data.times);
  const [now, setNow] = useState(data.at);
  const [announcement, setAnnouncement] = useState("");
  const recent = useRef<DispatchStreamEvent[]>([]);
  const last = useRef(data.cursor);
  const language = useRef(i18n.language);
  language.current = i18n.language;

  // Fresh page data replaces the alerts; events it may not include yet are applied over it again.
  useEffect(() => {
    setAlerts(recent.current.filter((e) => BigInt(e.id) > BigInt(data.cursor)).reduce((list, e) => applyAlertEvent(list, e.kind, e.payload, data.me), data.alerts));
    setTimes((known) => ({ ...known, ...data.times }));
    if (BigInt(data.cursor) > BigInt(last.current)) last.current = data.cursor;
  }, [data]);

  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!data.live) return;
    let stop: (() => void) | undefined;
    let cancelled = false;
    void import("./dispatch-stream.client").then(({ listenForDispatches }) => {
      if (cancelled) return;
      stop = listenForDispatches(
        last.current,
        (event) => {
          if (BigInt(event.id) > BigInt(last.current)) last.current = event.id;
          recent.current = [...recent.current.slice(-(KEEP - 1)), event];
          const before = current.current;
          const next = applyAlertEvent(before, event.kind, event.payload, data.me);
          setAlerts(next);
          const arrived = event.kind === "dispatch_alert" ? next.find((a) => a.id === event.payload.dispatch_id) : undefined;
          if (arrived && !before.some((a) => a.id === arrived.id)) {
            setTimes((known) => ({ ...known, [arrived.id]: liveTime(arrived.createdAt, timeZone, language.current) }));
            setAnnouncement(t(arrived.askedBy === "hotline" ? "hotlineDispatch.banner.announce" : "dispatch.banner.announce", { place: placeOf(arrived, arrived.zoneName ?? t("dispatch.noZone")) }));
            navigator.vibrate?.([200, 100, 200]);
          }
        },
        () => revalidate.current(),
      );
    });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [data.live, data.me, timeZone, t]);

  const open = alerts.filter((a) => isOpenAlert(a, now) && location.pathname !== `/dispatch/${a.id}`);
  return (
    <>
      <p className="sr-only" aria-live="assertive">
        {announcement}
      </p>
      {open.map((a) => {
        const zone = a.zoneName ?? t("dispatch.noZone");
        const place = placeOf(a, zone);
        if (a.response === "on_my_way") {
          return (
            <p key={a.id} className="dispatch-banner going">
              {t("dispatch.banner.onTheWay", { place })} <Link to={`/dispatch/${a.id}`}>{t("dispatch.banner.details")}</Link>
            </p>
          );
        }
        return (
          <section key={a.id} className="dispatch-banner" aria-labelledby={`dispatch-banner-${a.id}`}>
            <h2 id={`dispatch-banner-${a.id}`}>{t(a.askedBy === "hotline" ? "hotlineDispatch.banner.title" : "dispatch.banner.title", { zone })}</h2>
            <p>{t("dispatch.banner.place", { place })}</p>
            {a.note ? <p>{t("dispatch.banner.note", { note: a.note })}</p> : null}
            {times[a.id] ? <p className="help">{t("dispatch.banner.sentAt", { time: times[a.id] })}</p> : null}
            <Form method="post" action={`/dispatch/${a.id}`} className="actions">
              <button type="submit" name="response" value="on_my_way" className="primary" aria-describedby={`dispatch-banner-${a.id}`}>
                {t("dispatch.response.on_my_way")}
              </button>
              <button type="submit" name="response" value="cant" className="secondary" aria-describedby={`dispatch-banner-${a.id}`}>
                {t("dispatch.response.cant")}
              </button>
            </Form>
            <Link to={`/dispatch/${a.id}`}>{t("dispatch.banner.details")}</Link>
          </section>
        );
      })}
    </>
  );
}
