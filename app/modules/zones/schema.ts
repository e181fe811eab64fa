import { z } from "zod";
import { requiredMessage, tooLongMessage } from "~/utils/field-messages";
import { validateZoneGeometry, type ZoneGeometry } from "./geometry";

/** "41.8520, -87.7001" → a GeoJSON point (GeoJSON is longitude first). */
export function parseLatLng(text: string): { type: "Point"; coordinates: [number, number] } | null {
  const match = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return null;
  const lat = Number(match[1]);
  const lng = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { type: "Point", coordinates: [Math.round(lng * 1e6) / 1e6, Math.round(lat * 1e6) / 1e6] };
}

const geometryField = z.string({ required_error: "zones.geometry.required" }).transform((text, ctx): ZoneGeometry => {
  if (!text.trim()) {
    ctx.addIssue({ code: "custom", message: "zones.geometry.required" });
    return z.NEVER;
  }
  const result = validateZoneGeometry(text);
  if (!result.ok) {
    const { key, values } = result.problem;
    ctx.addIssue({ code: "custom", message: values ? `${key}|${JSON.stringify(values)}` : key });
    return z.NEVER;
  }
  return result.geometry;
});

export const ZoneSchema = z.object({
  intent: z.literal("save"),
  id: z.string().uuid().optional(),
  name: z.string({ required_error: requiredMessage("zones.name") }).trim().min(1, requiredMessage("zones.name")).max(80, tooLongMessage("zones.name", 80)),
  colour: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^#[0-9a-f]{6}$/, "zones.errors.colour")
    .default("#0b4f6c"),
  priority: z.coerce.number({ invalid_type_error: "zones.errors.priority" }).int().min(1, "zones.errors.priority").max(3, "zones.errors.priority"),
  notes: z.string().trim().max(2000, tooLongMessage("zones.notes", 2000)).default(""),
  geometry: geometryField,
  meetingPoint: z
    .string()
    .trim()
    .optional()
    .transform((text, ctx) => {
      if (!text) return null;
      const point = parseLatLng(text);
      if (!point) {
        ctx.addIssue({ code: "custom", message: "zones.errors.meetingPoint" });
        return z.NEVER;
      }
      return point;
    }),
  meetingPointNote: z.string().trim().max(200, tooLongMessage("zones.meetingPointNote", 200)).default(""),
});

export type ZoneInput = z.infer<typeof ZoneSchema>;

export const ZoneActionSchema = z.discriminatedUnion("intent", [
  ZoneSchema,
  z.object({ intent: z.literal("retire"), id: z.string().uuid() }),
  z.object({ intent: z.literal("restore"), id: z.string().uuid() }),
  z.object({ intent: z.literal("assign"), id: z.string().uuid(), observerId: z.string({ required_error: "zones.errors.observer" }).uuid("zones.errors.observer") }),
  z.object({ intent: z.literal("unassign"), id: z.string().uuid(), observerId: z.string().uuid() }),
]);
