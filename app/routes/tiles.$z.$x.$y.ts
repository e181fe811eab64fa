import type { LoaderFunctionArgs } from "@remix-run/node";
import { requestContext } from "~/modules/auth/guards.server";
import { tileCoordinates, tileResponse } from "~/modules/maps/tiles.server";

/** A map tile, fetched by this server for signed-in people (app/modules/maps/tiles.server.ts). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const headers = { "Cache-Control": "no-store" };
  const at = tileCoordinates(params.z, params.x, params.y);
  if (!at) return new Response("Not a map tile. / No es una tesela de mapa.", { status: 404, headers });
  // Not an open proxy to the tile server: only for people signed in here (checked at most every 30 s per sign-in).
  if (!(await requestContext(context).signedInForAssets(request))) return new Response("Sign in first. / Inicia sesión primero.", { status: 401, headers });
  return tileResponse(at);
}
