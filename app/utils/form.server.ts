import { getZodConstraint } from "@conform-to/zod";
import type { ZodTypeAny } from "zod";

/**
 * Reads a form body with a size cap. A body that is too large answers 413 and a malformed one 400,
 * never a 500. The cap holds for the bytes actually received, not only for what Content-Length
 * claims (a chunked upload has none).
 */
export async function readForm(request: Request, maxBytes: number): Promise<FormData> {
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > maxBytes) throw new Response("Payload too large", { status: 413 });
  const body = await withinLimit(request, maxBytes);
  let form: FormData;
  try {
    form = isUrlEncoded(request) ? urlEncodedForm(body) : await new Request(request.url, { method: request.method, headers: request.headers, body }).formData();
  } catch {
    throw new Response("Bad request", { status: 400 });
  }
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail in a query.
  for (const [, value] of form) {
    if (typeof value === "string" && value.includes("\0")) throw new Response("Bad request", { status: 400 });
  }
  return form;
}

/** The body's bytes, refused (413) once more than maxBytes have arrived. */
async function withinLimit(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch {
      throw new Response("Bad request", { status: 400 });
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > maxBytes) {
      // Not awaited: cancelling one branch of a cloned (tee'd) body settles only once the other
      // branch is cancelled too, so awaiting here would hang the request for good.
      void reader.cancel().catch(() => {});
      throw new Response("Payload too large", { status: 413 });
    }
    chunks.push(step.value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const isUrlEncoded = (request: Request) =>
  (request.headers.get("Content-Type") ?? "").split(";", 1)[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";

/**
 * A urlencoded body read as the Fetch standard's Request.formData() reads it (UTF-8 without BOM
 * handling, then URLSearchParams), without building a second Request around the bytes: every form
 * post and claim is urlencoded, and that Request (its headers, body stream and abort signal) was a
 * few per cent of a claim's server CPU. Multipart bodies (files) still go through formData().
 */
export function urlEncodedForm(body: Uint8Array): FormData {
  const form = new FormData();
  for (const [name, value] of new URLSearchParams(new TextDecoder("utf-8", { ignoreBOM: true }).decode(body))) form.append(name, value);
  return form;
}

/**
 * A form's HTML limits (required, lengths, ranges) read from its zod schema, as plain data: pages
 * that keep zod out of the browser (docs/decisions/009-performance-budgets.md) send them from the
 * loader to `useForm({ constraint })` / `limitsOf`, instead of restating them in JSX.
 */
export function constraintOf(schema: ZodTypeAny) {
  return { ...getZodConstraint(schema) };
}
