import { Form, Link } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useIsPending } from "~/components/use-is-pending";
import type { DispatchPreview } from "~/modules/dispatch/dispatch.server";
import { NOTE_MAX, type FieldErrors } from "~/modules/dispatch/schema";

/**
 * "Send observers" on the live board: where to, which zones it alerts, who it will reach (or why
 * nobody), a note, and the button. Shown when the page's address names a report or a point, so
 * it works from a plain link or form as well as from a tap on the map.
 */
export function DispatchForm({
  preview,
  clientKey,
  errors,
  note,
}: {
  preview: Omit<DispatchPreview, "zones"> & { zones: { id: string; name: string }[] };
  clientKey: string;
  errors?: FieldErrors;
  /** What was typed, back from a refused send. */
  note?: string;
}) {
  const { t } = useTranslation();
  const busy = useIsPending({ fields: { intent: "dispatch" } });
  const ref = useRef<HTMLElement>(null);
  const target = preview.target;
  const targetKey = target.kind === "report" ? target.reportId : `${target.lat},${target.lng}`;
  // A new place picked: bring the form into view and to the keyboard.
  useEffect(() => {
    ref.current?.focus();
  }, [targetKey]);

  const zone = preview.zoneName ?? t("dispatch.noZone");
  const where =
    target.kind === "report"
      ? t("dispatch.form.toReport", { zone, place: preview.crossStreets || (preview.point ? `${preview.point.lat}, ${preview.point.lng}` : zone) })
      : t("dispatch.form.toPoint", { latitude: target.lat, longitude: target.lng, zone });
  const zoneList = preview.zones.map((z) => z.name).join(", ");
  const count = preview.recipients.length;

  return (
    <section id="send" ref={ref} tabIndex={-1} className="card stack dispatch-form" aria-labelledby="send-title">
      <h2 id="send-title">{t("dispatch.form.title")}</h2>
      <p className="lead">{where}</p>
      {preview.zones.length === 0 ? (
        <p className="warning">{t("dispatch.form.noZones")}</p>
      ) : (
        <>
          <p>{t("dispatch.form.zones", { zones: zoneList })}</p>
          {count === 0 ? (
            <p className="warning">{t("dispatch.form.nobody", { zones: zoneList })}</p>
          ) : (
            <>
              <p id="send-count">{t("dispatch.form.recipients", { count })}</p>
              <ul className="dispatch-recipients" aria-labelledby="send-count">
                {preview.recipients.map((r) => (
                  <li key={r.observerId}>{t("dispatch.form.recipient", { name: r.name, zone: r.zoneName })}</li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {count > 0 ? (
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="dispatch" />
          <input type="hidden" name="key" value={clientKey} />
          {target.kind === "report" ? (
            <input type="hidden" name="report" value={target.reportId} />
          ) : (
            <>
              <input type="hidden" name="lat" value={target.lat} />
              <input type="hidden" name="lng" value={target.lng} />
            </>
          )}
          <div className="field">
            <label htmlFor="dispatch-note">{t("dispatch.form.note")}</label>
            <textarea
              id="dispatch-note"
              name="note"
              rows={3}
              maxLength={NOTE_MAX}
              defaultValue={note}
              aria-describedby={errors?.note ? "dispatch-note-help dispatch-note-error" : "dispatch-note-help"}
              aria-invalid={errors?.note ? true : undefined}
            />
            <p id="dispatch-note-help" className="help">
              {t("dispatch.form.noteHelp")}
            </p>
            {errors?.note ? (
              <p id="dispatch-note-error" className="error-text">
                {t(errors.note)}
              </p>
            ) : null}
          </div>
          <div className="actions">
            <button
              type="submit"
              className="primary"
              aria-disabled={busy || undefined}
              onClick={(event) => {
                if (busy) event.preventDefault();
              }}
            >
              {t("dispatch.form.submit")}
            </button>
            <Link to="/coordinate/live" className="button secondary" preventScrollReset>
              {t("dispatch.form.cancel")}
            </Link>
          </div>
        </Form>
      ) : (
        <p>
          <Link to="/coordinate/live" preventScrollReset>
            {t("dispatch.form.cancel")}
          </Link>
        </p>
      )}
    </section>
  );
}

/** Type a point (or have a tap on the map fill it in) and see who a dispatch there would reach. */
export function PointForm({ lat, lng, errors }: { lat: string; lng: string; errors?: FieldErrors }) {
  const { t } = useTranslation();
  const described = (field: "lat" | "lng") => (errors?.[field] ? `point-help point-${field}-error` : "point-help");
  return (
    <Form method="get" className="card stack point-form" aria-labelledby="point-title" preventScrollReset>
      <h2 id="point-title">{t("dispatch.form.pointTitle")}</h2>
      <p id="point-help" className="help">
        {t("dispatch.form.pointHelp")}
      </p>
      <div className="point-fields">
        {(["lat", "lng"] as const).map((field) => (
          <div className="field" key={`${field}-${field === "lat" ? lat : lng}`}>
            <label htmlFor={`point-${field}`}>{t(`dispatch.form.${field}`)}</label>
            <input
              id={`point-${field}`}
              name={field}
              inputMode="decimal"
              autoComplete="off"
              defaultValue={field === "lat" ? lat : lng}
              aria-describedby={described(field)}
              aria-invalid={errors?.[field] ? true : undefined}
            />
            {errors?.[field] ? (
              <p id={`point-${field}-error`} className="error-text">
                {t(errors[field]!)}
              </p>
            ) : null}
          </div>
        ))}
      </div>
      <div className="actions">
        <button type="submit" className="secondary">
          {t("dispatch.form.preview")}
        </button>
      </div>
    </Form>
  );
}
