import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireRole } from "~/modules/auth/guards.server";
import { mediaCiphertext } from "~/modules/review/review.server";
import { invariantResponse, UUID } from "~/utils/misc";

/** One medium's ciphertext, for the attorney's browser to open (the unseal that led here is audited). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  invariantResponse(UUID.test(params.id ?? "") && UUID.test(params.mediaId ?? ""), "Not found", { status: 404 });
  const bytes = await mediaCiphertext(user.claims, params.id!, params.mediaId!);
  invariantResponse(bytes, "Not found", { status: 404 });
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: { "Content-Type": "application/octet-stream", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" },
  });
}
