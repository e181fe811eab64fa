import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireRole } from "~/modules/auth/guards.server";
import { exportZones } from "~/modules/zones/zones.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  return new Response(JSON.stringify(await exportZones(user.claims), null, 2), {
    headers: {
      "Content-Type": "application/geo+json; charset=utf-8",
      "Content-Disposition": 'attachment; filename="zones.geojson"',
      "Cache-Control": "no-store",
    },
  });
}
