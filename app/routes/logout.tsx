import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getUser, requestContext } from "~/modules/auth/guards.server";
import { signOut } from "~/modules/auth/sign-in.server";
import { deleteSessionSubscriptions } from "~/modules/push/subscriptions.server";

export const loader = () => redirect("/");

export async function action({ request, context }: ActionFunctionArgs) {
  // Alerts stop with the sign-in: a phone handed on, or signed out after a seizure, gets no more.
  const user = await getUser(request, context);
  const sessionKey = requestContext(context).sessionKey();
  if (user && sessionKey) await deleteSessionSubscriptions(user.claims, sessionKey);
  return signOut(request);
}
