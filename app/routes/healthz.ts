import { checkDatabase } from "~/modules/health/health.server";

export async function loader() {
  const database = await checkDatabase();
  return Response.json(
    { status: database.ok ? "ok" : "degraded", database: database.ok ? "ok" : "unreachable", latencyMs: database.latencyMs },
    { status: database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
