import { Component, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ZoneMap } from "~/components/map/zone-map";
import { Field, useOpenOnError } from "~/components/ui/field";
import type { ZoneGeometry } from "~/modules/zones/geometry";

type Point = { lat: number; lng: number };

export interface PlaceFieldsProps {
  /** The form's prefix for field ids (`report` gives `report-latitude`, `report-crossStreets`…) */
  idPrefix: string;
  /** Where the legend and help are: `reports.where`, `reports.whereHelp` (or hotline's). */
  texts: "reports" | "hotline";
  zones: { id: string; name: string; colour: string; geometry: ZoneGeometry }[];
  tileUrl: string;
  attribution: string;
  /** A field's value as the form starts (typed before, or being edited). */
  value: (name: string) => string;
  errors: (name: string) => string[] | undefined;
  /** The cross streets field's limits, from the form's own schema. */
  limits: Record<string, unknown>;
  /**
   * The person filling the form is at the place (an observer; the hotline is not): "Use my
   * location" and its accuracy, a taller map, and a note instead of the map when its code is not
   * on the phone (offline).
   */
  onSite?: boolean;
  /** Told when the map or "Use my location" moves the place (no input event fires then). */
  onPlaceChange?: () => void;
}

/**
 * Where something happened: a pin on the zones' map, the cross streets, and the coordinates
 * (folded away, opened by an error in them). One set of fields for the report form and the
 * hotline's "Log a call"; without JavaScript the coordinates and cross streets are plain fields.
 */
export function PlaceFields(props: PlaceFieldsProps) {
  const { t } = useTranslation();
  const { idPrefix: id, value, errors } = props;
  const [pin, setPin] = useState<Point | null>(() => {
    const lat = Number(value("latitude"));
    const lng = Number(value("longitude"));
    return value("latitude") && Number.isFinite(lat) && Number.isFinite(lng) ? { lat, lng } : null;
  });
  const [accuracy, setAccuracy] = useState(value("accuracy"));
  const [locating, setLocating] = useState<"idle" | "busy" | "failed">("idle");
  const openCoordinates = useOpenOnError(Boolean(errors("latitude") || errors("longitude") || errors("accuracy")));
  const onPick = useCallback((point: Point) => {
    setPin(point);
    setAccuracy("");
  }, []);
  // Compared with the last place seen, not skipped once: React's StrictMode (npm run dev) runs
  // effects twice on mount, and an empty form taken for typing would overwrite a kept draft.
  const { onPlaceChange } = props;
  const placeSeen = useRef({ pin, accuracy });
  useEffect(() => {
    if (placeSeen.current.pin === pin && placeSeen.current.accuracy === accuracy) return;
    placeSeen.current = { pin, accuracy };
    onPlaceChange?.();
  }, [pin, accuracy, onPlaceChange]);
  const useMyLocation = () => {
    if (!("geolocation" in navigator)) return setLocating("failed");
    setLocating("busy");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setPin({ lat: Math.round(position.coords.latitude * 1e6) / 1e6, lng: Math.round(position.coords.longitude * 1e6) / 1e6 });
        setAccuracy(String(Math.round(position.coords.accuracy)));
        setLocating("idle");
      },
      () => setLocating("failed"),
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };
  const coordinate = (name: "latitude" | "longitude", key: "lat" | "lng") => (
    <Field
      id={`${id}-${name}`}
      label={t(`reports.${name}`)}
      name={name}
      autoComplete="off"
      inputMode="decimal"
      value={pin ? String(pin[key]) : undefined}
      defaultValue={pin ? undefined : value(name)}
      onChange={(e) => {
        const n = Number(e.currentTarget.value);
        if (pin && Number.isFinite(n)) setPin({ ...pin, [key]: n });
      }}
      errors={errors(name)}
    />
  );
  const { onSite } = props;
  const map = <ZoneMap zones={props.zones} tileUrl={props.tileUrl} attribution={props.attribution} height={onSite ? 260 : 220} pin={pin} onPick={onPick} />;

  return (
    <fieldset className="stack">
      <legend>{t(`${props.texts}.where`)}</legend>
      <p className="help">{t(`${props.texts}.whereHelp`)}</p>
      {onSite ? <MapUnavailable message={t("reports.offline.mapUnavailable")}>{map}</MapUnavailable> : map}
      {onSite ? (
        <p>
          <button type="button" className="secondary" onClick={useMyLocation} aria-describedby="locate-status">
            {t("reports.useMyLocation")}
          </button>{" "}
          <span id="locate-status" role="status">
            {locating === "busy" ? t("reports.locating") : locating === "failed" ? t("reports.locateFailed") : pin ? t("reports.pinSet", { accuracy: accuracy || "?" }) : ""}
          </span>
        </p>
      ) : null}
      <Field
        id={`${id}-crossStreets`}
        label={t("reports.crossStreets")}
        name="crossStreets"
        {...props.limits}
        autoComplete="off"
        defaultValue={value("crossStreets")}
        errors={errors("crossStreets")}
        help={t("reports.crossStreetsHelp")}
      />
      <details className="coordinates" open={openCoordinates}>
        <summary>{t("reports.coordinates")}</summary>
        <div className="inline-forms">
          {coordinate("latitude", "lat")}
          {coordinate("longitude", "lng")}
          {onSite ? <input type="hidden" name="accuracy" value={accuracy} /> : null}
        </div>
      </details>
    </fieldset>
  );
}

/**
 * Offline, the map's code may not be on the phone yet (and its tiles never are): the form goes on
 * without it, since the location can be typed or taken from the phone.
 */
class MapUnavailable extends Component<{ message: string; children: ReactNode }, { failed?: boolean }> {
  // Set here, not as a class field: the build would add a helper for class fields to /reports/new.
  constructor(props: { message: string; children: ReactNode }) {
    super(props);
    this.state = {};
  }
  static getDerivedStateFromError() {
    return { failed: true };
  }
  render() {
    return this.state.failed ? <p className="warning">{this.props.message}</p> : this.props.children;
  }
}
