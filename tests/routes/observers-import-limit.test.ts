import type { ActionFunctionArgs, AppLoadContext } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { sessionCookie } from "~/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "~/modules/auth/crypto.server";
import { IMPORT_MAX_BYTES } from "~/modules/people/volunteer-import.server";
import { createCast } from "../setup/personas";
import { action } from "~/routes/coordinate.observers";

// The import's body limit: a file over 10 MB is refused with a translated message (413) before
// the server reads it all, and a refused or failed import writes nothing.

let cookie: string;
const context = { cspNonce: "test", clientKey: "observers-test" } as unknown as AppLoadContext;

beforeAll(async () => {
  const cast = await createCast();
  const token = newSessionToken();
  await withSystem((trx) =>
    trx.insertInto("private.sessions").values({ token_hash: sha256(token), user_id: cast.coordinator_carmen.id, expires_at: sql<Date>`now() + interval '1 day'` }).execute(),
  );
  cookie = (await sessionCookie().serialize(token)).split(";")[0]!;
});

/** A multipart body that streams `total` bytes of one CSV file, counting how much the server pulls. */
function hugeUpload(total: number, declareLength: boolean) {
  const boundary = "----testigo";
  const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="intent"\r\n\r\npreview\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nname,email,phone,languages,training date\r\n`);
  const chunk = new TextEncoder().encode("Rosa,rosa@test.example,,es,2026-01-01\r\n".repeat(1700));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(head);
        sent += head.byteLength;
      } else if (sent < total) {
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      } else controller.close();
    },
  });
  const headers: Record<string, string> = { Cookie: cookie, "Content-Type": `multipart/form-data; boundary=${boundary}` };
  if (declareLength) headers["Content-Length"] = String(total);
  const request = new Request("http://localhost/coordinate/observers", { method: "POST", headers, body, duplex: "half" } as RequestInit);
  return { request, pulled: () => sent };
}

async function statusAndBody(request: Request) {
  const result = (await action({ request, params: {}, context } as ActionFunctionArgs)) as unknown as { init: { status?: number } | null; data: { importError?: string } };
  return { status: result.init?.status ?? 200, importError: result.data.importError };
}

describe("the import's body limit", () => {
  const before = () => withSystem((trx) => trx.selectFrom("invitations").select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow());

  it("refuses a body that says it is over 10 MB without reading it", async () => {
    const invitations = await before();
    const upload = hugeUpload(IMPORT_MAX_BYTES * 3, true);
    expect(await statusAndBody(upload.request)).toEqual({ status: 413, importError: "observers.errors.tooLarge" });
    expect(upload.pulled()).toBeLessThan(256 * 1024);
    expect(await before()).toEqual(invitations);
  });

  it("stops reading a chunked body (no Content-Length) once it passes the limit", async () => {
    const upload = hugeUpload(IMPORT_MAX_BYTES * 3, false);
    expect(await statusAndBody(upload.request)).toEqual({ status: 413, importError: "observers.errors.tooLarge" });
    expect(upload.pulled()).toBeLessThan(IMPORT_MAX_BYTES + 256 * 1024);
  });
});
