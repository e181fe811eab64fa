import type { ActionFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { sealedBundle } from "~/modules/review/review.server";
import { invariantResponse, UUID } from "~/utils/misc";

export async function loader() {
  throw new Response("Not found", { status: 404 });
}

/**
 * The sealed parts of a report (ciphertext and envelopes) for the attorney's browser to open.
 * POST only, so no prefetch or crawler triggers it; every call is an audited unseal.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  try {
    return data(await sealedBundle(user.claims, params.id!), { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    if (error instanceof DomainError) return data({ error: error.messageKey }, { status: error.status });
    throw error;
  }
}
