import type { ActionFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { requireUser } from "~/modules/auth/guards.server";
import { answerDispatch } from "~/modules/dispatch/dispatch.server";
import { isResponse } from "~/modules/dispatch/schema";
import { readForm } from "~/utils/form.server";
import { invariantResponse, UUID } from "~/utils/misc";

// "On my way" / "Can't" tapped on a dispatch notification: the service worker (public/sw.js) posts
// here, same origin, with the person's cookie. Answers a status only; the board hears it live.

export const loader = () => new Response("Not found", { status: 404 });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const response = (await readForm(request, 1024)).get("response");
  if (!isResponse(response)) return new Response("dispatch.errors.response", { status: 400 });
  try {
    await answerDispatch(user.claims, params.id!.toLowerCase(), response);
  } catch (error) {
    if (error instanceof DomainError) return new Response(error.messageKey, { status: error.status });
    throw error;
  }
  return new Response(null, { status: 204 });
}
