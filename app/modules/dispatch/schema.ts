import { UUID } from "~/utils/misc";
// What a dispatch is sent to, and the form that sends it: parsed from the query string (the
// preview) or the posted form, with a translated message per field for anything wrong.

export type DispatchTarget = { kind: "report"; reportId: string } | { kind: "point"; lat: number; lng: number };

export const NOTE_MAX = 500;


export type FieldErrors = Partial<Record<"report" | "lat" | "lng" | "note" | "target", string>>;

type Source = { get(name: string): unknown };
const text = (source: Source, name: string) => {
  const value = source.get(name);
  return typeof value === "string" ? value.trim() : "";
};

/** A coordinate typed or picked: a number (a decimal comma is accepted) within `limit`, rounded to ~10 cm. */
function coordinate(raw: string, limit: number): number | null {
  if (!/^[+-]?\d{1,3}([.,]\d{1,12})?$/.test(raw)) return null;
  const value = Number(raw.replace(",", "."));
  if (!Number.isFinite(value) || Math.abs(value) > limit) return null;
  return Math.round(value * 1e6) / 1e6;
}

/** The target named by `report` or `lat` + `lng`; null when none is named. */
export function parseTarget(source: Source): { target: DispatchTarget | null; errors: FieldErrors } {
  const report = text(source, "report");
  const lat = text(source, "lat");
  const lng = text(source, "lng");
  if (report) {
    if (!UUID.test(report)) return { target: null, errors: { report: "dispatch.errors.reportNotFound" } };
    return { target: { kind: "report", reportId: report.toLowerCase() }, errors: {} };
  }
  if (!lat && !lng) return { target: null, errors: {} };
  const errors: FieldErrors = {};
  const latitude = coordinate(lat, 90);
  const longitude = coordinate(lng, 180);
  if (latitude === null) errors.lat = "dispatch.errors.lat";
  if (longitude === null) errors.lng = "dispatch.errors.lng";
  if (latitude === null || longitude === null) return { target: null, errors };
  return { target: { kind: "point", lat: latitude, lng: longitude }, errors };
}

export interface DispatchForm {
  target: DispatchTarget;
  note: string;
  clientKey: string | null;
}

/** The posted "Send observers" form. */
export function parseDispatchForm(form: Source): { ok: true; value: DispatchForm } | { ok: false; errors: FieldErrors } {
  const { target, errors } = parseTarget(form);
  const note = text(form, "note").replace(/\r\n/g, "\n");
  if (note.length > NOTE_MAX) errors.note = "dispatch.errors.noteTooLong";
  if (!target && Object.keys(errors).length === 0) errors.target = "dispatch.errors.target";
  const key = text(form, "key");
  if (!target || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { target, note, clientKey: UUID.test(key) ? key.toLowerCase() : null } };
}

export const isResponse = (value: unknown): value is "on_my_way" | "cant" => value === "on_my_way" || value === "cant";
