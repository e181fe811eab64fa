import type { ActionFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { requestContext, requireUser } from "~/modules/auth/guards.server";
import { parseSubscription } from "~/modules/push/schema";
import { deleteSubscription, pushPublicKey, saveSubscription } from "~/modules/push/subscriptions.server";
import { readForm } from "~/utils/form.server";
import { isProduction } from "~/utils/env.server";

// "Turn on alerts" / "Turn off alerts" (app/components/push-alerts.tsx): this device's push
// subscription, saved under the person's sign-in or deleted. Answers JSON; errors are i18n keys.

export const loader = () => new Response("Not found", { status: 404 });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const form = await readForm(request, 8 * 1024);
  const intent = form.get("intent");
  if (intent === "unsubscribe") {
    const endpoint = form.get("endpoint");
    if (typeof endpoint !== "string" || !endpoint || endpoint.length > 2048) {
      return data({ ok: false, errors: { endpoint: "push.errors.endpoint" } }, { status: 400 });
    }
    await deleteSubscription(user.claims, endpoint);
    return data({ ok: true, errors: {} });
  }
  if (intent !== "subscribe") return data({ ok: false, errors: { intent: "push.errors.intent" } }, { status: 400 });
  if (!pushPublicKey()) return data({ ok: false, errors: { intent: "push.unavailable" } }, { status: 409 });
  const parsed = parseSubscription(form, { production: isProduction() });
  if (!parsed.ok) return data({ ok: false, errors: parsed.errors }, { status: 400 });
  const sessionKey = requestContext(context).sessionKey();
  if (!sessionKey) throw new Response("Forbidden", { status: 403 });
  await saveSubscription(user.claims, sessionKey, parsed.value);
  return data({ ok: true, errors: {} });
}
