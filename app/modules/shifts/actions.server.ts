import { data, type AppLoadContext } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { NotSignedIn, type Actor } from "~/db/client.server";
import { loginRedirect, requireActor } from "~/modules/auth/guards.server";
import { readForm } from "~/utils/form.server";
import { UUID } from "~/utils/misc";
import type { ShiftNotice } from "./notice";
import { ObserverShiftActionSchema } from "./schema";
import { checkIn, checkOut, claimShift, leaveShift } from "./shifts.server";

/** The observer's own actions on a shift, shared by this page and "My shifts". */
export async function observerShiftAction(request: Request, context: AppLoadContext | undefined, shiftId: string, known?: Actor) {
  // The person is found by the write's own transaction: a claim is one round trip in all.
  const actor = known ?? (await requireActor(request, context));
  const form = await readForm(request, 16 * 1024);
  const parsed = ObserverShiftActionSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice, shiftId }, { status: 400 });
  try {
    switch (parsed.data.intent) {
      case "claim":
      case "waitlist": {
        const result = await claimShift(actor, shiftId, true);
        if (result.status === "waitlisted") {
          const key = parsed.data.intent === "claim" ? "shifts.notices.filledWaitlisted" : "shifts.notices.waitlisted";
          return data({ notice: { key, values: { position: result.position ?? "?" }, tone: "ok" } as ShiftNotice, shiftId });
        }
        return data({ notice: { key: "shifts.notices.claimed", tone: "ok" } as ShiftNotice, shiftId });
      }
      case "leave": {
        const result = await leaveShift(actor, shiftId);
        const key = result.status === "cancelled" && result.claimed_at === null ? "shifts.notices.leftWaitlist" : "shifts.notices.left";
        return data({ notice: { key, tone: "ok" } as ShiftNotice, shiftId });
      }
      case "checkIn": {
        const result = await checkIn(actor, shiftId);
        return data({ notice: { key: "shifts.notices.checkedIn", values: { time: result.checked_in_at ? new Date(result.checked_in_at).toISOString() : "" }, tone: "ok" } as ShiftNotice, shiftId });
      }
      case "checkOut": {
        await checkOut(actor, shiftId);
        return data({ notice: { key: "shifts.notices.checkedOut", tone: "ok" } as ShiftNotice, shiftId });
      }
    }
  } catch (error) {
    if (error instanceof DomainError) {
      return data({ notice: { key: error.messageKey, tone: "error" } as ShiftNotice, shiftId }, { status: error.status });
    }
    if (error instanceof NotSignedIn) throw loginRedirect(request);
    throw error;
  }
}


/** The same actions from a list of shifts ("Shifts", "My shifts"): the form names the shift. */
export async function listedShiftAction(request: Request, context: AppLoadContext | undefined) {
  // Signed out: to sign in, before anything about the form (no database statement yet).
  const actor = await requireActor(request, context);
  const form = await readForm(request.clone(), 16 * 1024);
  const shiftId = String(form.get("shiftId") ?? "");
  if (!UUID.test(shiftId)) return data({ notice: { key: "errors.badRequestTitle", tone: "error" } as ShiftNotice, shiftId: null as string | null }, { status: 400 });
  return observerShiftAction(request, context, shiftId, actor);
}
