import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { answerCounts, type BoardDispatch } from "~/modules/dispatch/board";

/** The board's dispatches with every recipient's answer, kept current by the event stream. */
export function DispatchPanel({ dispatches, time }: { dispatches: BoardDispatch[]; time: (iso: string) => string }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="dispatches-title">
      <h2 id="dispatches-title">{t("dispatch.panel.title")}</h2>
      {dispatches.length === 0 ? <p className="empty">{t("dispatch.panel.none")}</p> : null}
      <ul className="live-list">
        {dispatches.map((d) => {
          const counts = answerCounts(d);
          const place = d.crossStreets || d.zoneName || (d.point ? `${d.point.lat}, ${d.point.lng}` : t("dispatch.noZone"));
          return (
            <li key={d.id} id={`dispatch-${d.id}`} className={d.cancelledAt ? "dispatch off" : "dispatch"}>
              <strong id={`dispatch-title-${d.id}`}>{t("dispatch.panel.heading", { place, time: time(d.createdAt) })}</strong>
              <span>
                {t("dispatch.panel.zones", { zones: d.zoneNames.join(", ") })}
                {d.createdByName ? ` ${t("dispatch.panel.by", { name: d.createdByName })}` : ""}
              </span>
              {d.note ? <span className="pre-wrap">{t("dispatch.panel.note", { note: d.note })}</span> : null}
              <span className="dispatch-counts">{t("dispatch.panel.counts", { onMyWay: counts.on_my_way, cant: counts.cant, none: counts.none })}</span>
              <ul className="dispatch-recipients" aria-labelledby={`dispatch-title-${d.id}`}>
                {d.recipients.map((r) => (
                  <li key={r.observerId}>
                    <span>
                      <strong>{r.observerName}</strong> · {r.zoneName ?? t("dispatch.noZone")}
                    </span>{" "}
                    <span className={`badge ${r.response === "on_my_way" ? "ok" : r.response === "cant" ? "off" : ""}`}>
                      {t(`dispatch.response.${r.response ?? "none"}`)}
                      {r.respondedAt ? ` ${t("dispatch.panel.answeredAt", { time: time(r.respondedAt) })}` : ""}
                    </span>
                    {r.observerPhone ? (
                      <>
                        {" "}
                        <a href={`tel:${r.observerPhone.replace(/[^\d+]/g, "")}`}>{t("dispatch.panel.call", { name: r.observerName })}</a>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
              {d.cancelledAt ? (
                <span className="badge off">{t("dispatch.panel.cancelled", { time: time(d.cancelledAt) })}</span>
              ) : (
                <Form method="post" className="actions">
                  <input type="hidden" name="intent" value="cancelDispatch" />
                  <input type="hidden" name="dispatchId" value={d.id} />
                  <button type="submit" className="secondary" aria-describedby={`dispatch-title-${d.id}`}>
                    {t("dispatch.panel.cancel")}
                  </button>
                </Form>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
