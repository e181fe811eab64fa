import { parseWithZod } from "@conform-to/zod";
import { data, redirect } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import type { CurrentUser } from "~/modules/auth/guards.server";
import { ZoneActionSchema } from "./schema";
import { assignObserver, saveZone, setZoneRetired, unassignObserver } from "./zones.server";

export type ZoneNotice = { key: string; values?: Record<string, string> };

/** The zone form actions shared by the list and the detail page. */
export async function handleZoneAction(user: CurrentUser, formData: FormData, afterCreate: (id: string) => string) {
  const submission = parseWithZod(formData, { schema: ZoneActionSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply(), notice: null as ZoneNotice | null }, { status: 400 });
  }
  const value = submission.value;
  const done = (notice: ZoneNotice, reset = false) =>
    data({ result: submission.reply(reset ? { resetForm: true } : undefined), notice: notice as ZoneNotice | null });
  try {
    switch (value.intent) {
      case "save": {
        const id = await saveZone(user.claims, value);
        if (!value.id) throw redirect(afterCreate(id));
        return done({ key: "zones.saved", values: { name: value.name } });
      }
      case "retire":
      case "restore": {
        const name = await setZoneRetired(user.claims, value.id, value.intent === "retire");
        return done({ key: value.intent === "retire" ? "zones.retiredDone" : "zones.restoredDone", values: { name } });
      }
      case "assign":
        await assignObserver(user.claims, value.id, value.observerId);
        return done({ key: "zones.assigned" }, true);
      case "unassign":
        await unassignObserver(user.claims, value.id, value.observerId);
        return done({ key: "zones.unassigned" });
    }
  } catch (error) {
    if (error instanceof DomainError) {
      return data(
        { result: submission.reply({ fieldErrors: { [error.field ?? ""]: [error.messageKey] } }), notice: null as ZoneNotice | null },
        { status: error.status },
      );
    }
    throw error;
  }
}
