/**
 * Reads a form body with a size cap. A body that is too large answers 413 and a malformed one 400,
 * never a 500.
 */
export async function readForm(request: Request, maxBytes: number): Promise<FormData> {
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > maxBytes) throw new Response("Payload too large", { status: 413 });
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new Response("Bad request", { status: 400 });
  }
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail in a query.
  for (const [, value] of form) {
    if (typeof value === "string" && value.includes("\0")) throw new Response("Bad request", { status: 400 });
  }
  return form;
}
