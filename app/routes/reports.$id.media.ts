import type { ActionFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { attachPlainMedia, attachSealedMedia, mediaLimitBytes } from "~/modules/reports/media.server";
import { redirectWithFlash } from "~/utils/flash.server";
import { readForm } from "~/utils/form.server";
import { invariantResponse, UUID } from "~/utils/misc";

export async function loader() {
  throw new Response("Not found", { status: 404 });
}

/**
 * Adds photos and videos to one's own report. With JavaScript the browser sends ciphertext it
 * sealed (one file per request, with progress); without, the form posts the originals and they
 * are sealed here on receipt.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "observer");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const reportId = params.id!;
  const wantsJson = request.headers.get("Accept")?.includes("application/json");
  const limit = await mediaLimitBytes(user.claims);
  const fail = async (error: unknown) => {
    if (!(error instanceof DomainError)) throw error;
    if (wantsJson) return data({ ok: false, error: error.messageKey }, { status: error.status });
    throw await redirectWithFlash(`/reports/${reportId}`, { key: error.messageKey, tone: "error" }, 303);
  };
  let form: FormData;
  try {
    // one file per request with JavaScript; without, all files together within one limit
    form = await readForm(request, limit + 256 * 1024);
  } catch (error) {
    if (error instanceof Response && error.status === 413) return fail(new DomainError(413, "reports.errors.mediaTooLarge", "media"));
    throw error;
  }
  try {
    const ciphertext = form.get("ciphertext");
    if (ciphertext instanceof File) {
      await attachSealedMedia(user.claims, reportId, {
        mediaId: String(form.get("mediaId") ?? ""),
        box: String(form.get("box") ?? ""),
        nonce: String(form.get("nonce") ?? ""),
        contentType: String(form.get("contentType") ?? ""),
        size: Number(form.get("size")),
        ciphertext,
      });
      return data({ ok: true, error: null });
    }
    const files = form.getAll("media").filter((f): f is File => f instanceof File && f.size > 0);
    if (!files.length) throw new DomainError(400, "reports.errors.mediaNone", "media");
    if (files.length > 4) throw new DomainError(400, "reports.errors.mediaMany", "media");
    const uploadKey = String(form.get("uploadKey") ?? "");
    for (const file of files) await attachPlainMedia(user.claims, reportId, file, uploadKey);
    throw await redirectWithFlash(`/reports/${reportId}`, { key: "reports.mediaAdded", values: { count: files.length } }, 303);
  } catch (error) {
    if (error instanceof Response) throw error;
    return fail(error);
  }
}
