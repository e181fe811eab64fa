import type { LoaderFunctionArgs } from "@remix-run/node";
import { getUser, requestContext } from "~/modules/auth/guards.server";
import { liveHub } from "~/modules/live/hub.server";
import { resumePoint } from "~/modules/live/resume";

// Server-sent events of the live board (and of an observer's own safety checks). Each person gets
// what RLS lets them read of public.live_events, from where they left off: the browser's
// Last-Event-ID on a reconnect, or `?after=` (the page snapshot's position) on the first connect.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const headers = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" };
  const user = await getUser(request, context);
  const signIn = requestContext(context).signInKey();
  // The stream outlives the request's reads: it must not hold their connection.
  await requestContext(context).end();
  if (!user) return new Response("Sign in first. / Inicia sesión primero.", { status: 401, headers });
  const after = resumePoint(request.headers.get("Last-Event-ID"), new URL(request.url).searchParams.get("after"));
  if (after === "invalid") return new Response("Bad event id. / Id de evento no válido.", { status: 400, headers });
  // It also outlives the sign-in check: the hub re-checks the sign-in every few seconds.
  return liveHub().stream(user.claims, after, request.signal, signIn);
}
