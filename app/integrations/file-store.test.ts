import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentKeyOf, LocalFileStore, SupabaseFileStore } from "./file-store.server";

describe("LocalFileStore", () => {
  it("stores by content hash, privately, once, and refuses keys that are not hashes", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "testigo-files-"));
    const store = new LocalFileStore(root);
    const bytes = new TextEncoder().encode("ciphertext, honestly");
    const key = await store.put(bytes);
    expect(key).toBe(contentKeyOf(bytes));
    expect(await store.put(bytes)).toBe(key);
    expect(Buffer.from((await store.get(key))!)).toEqual(Buffer.from(bytes));
    const file = path.join(root, key.slice(0, 2), key.slice(2, 4), key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual([key]);
    expect(await store.get("../../etc/passwd")).toBeNull();
    expect(await store.get("0".repeat(64))).toBeNull();
  });

  it("deletes by key, idempotently, and never outside its folder", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "testigo-files-"));
    const store = new LocalFileStore(root);
    const keep = await store.put(new TextEncoder().encode("keep me"));
    const key = await store.put(new TextEncoder().encode("delete me"));
    const file = path.join(root, key.slice(0, 2), key.slice(2, 4), key);
    expect(existsSync(file)).toBe(true);
    await store.delete(key);
    expect(existsSync(file)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await store.delete(key);
    await store.delete("f".repeat(64));
    await store.delete(`../${keep.slice(0, 2)}`);
    await store.delete("");
    expect(await store.get(keep)).not.toBeNull();
  });
});

// Supabase Storage is third-party HTTP: MSW stands in for it, as for Supabase Auth.
const SUPABASE = "https://project-ref.supabase.co";
const objects = new Map<string, Uint8Array>();
const seen: { method: string; path: string; auth: string | null }[] = [];
const server = setupServer(
  http.post(`${SUPABASE}/storage/v1/object/:bucket/:key`, async ({ request, params }) => {
    seen.push({ method: "POST", path: `${params.bucket}/${params.key}`, auth: request.headers.get("authorization") });
    const key = `${params.bucket}/${params.key}`;
    if (objects.has(key)) return HttpResponse.json({ statusCode: "409", error: "Duplicate", message: "The resource already exists" }, { status: 400 });
    objects.set(key, new Uint8Array(await request.arrayBuffer()));
    return HttpResponse.json({ Key: key, Id: "1" });
  }),
  // remove(): DELETE on the bucket with the keys as prefixes; the objects removed come back (none: []).
  http.delete(`${SUPABASE}/storage/v1/object/:bucket`, async ({ params, request }) => {
    const { prefixes } = (await request.json()) as { prefixes: string[] };
    seen.push({ method: "DELETE", path: `${params.bucket}/${prefixes.join(",")}`, auth: request.headers.get("authorization") });
    const removed = prefixes.filter((p) => objects.delete(`${params.bucket}/${p}`)).map((name) => ({ name, bucket_id: params.bucket }));
    return HttpResponse.json(removed);
  }),
  http.get(`${SUPABASE}/storage/v1/object/:bucket/:key`, ({ params, request }) => {
    seen.push({ method: "GET", path: `${params.bucket}/${params.key}`, auth: request.headers.get("authorization") });
    const body = objects.get(`${params.bucket}/${params.key}`);
    return body ? new HttpResponse(body, { headers: { "Content-Type": "application/octet-stream" } }) : HttpResponse.json({ error: "not_found" }, { status: 404 });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("SupabaseFileStore", () => {
  it("uploads to the private bucket with the service-role key, tolerates a retried upload, and downloads", async () => {
    const store = new SupabaseFileStore(SUPABASE, "service-role-secret", "report-media");
    const bytes = new Uint8Array([1, 2, 3, 250, 251, 252]);
    const key = await store.put(bytes);
    expect(key).toBe(contentKeyOf(bytes));
    expect(await store.put(bytes)).toBe(key);
    expect(Buffer.from((await store.get(key))!)).toEqual(Buffer.from(bytes));
    expect(await store.get("f".repeat(64))).toBeNull();
    expect(seen.filter((s) => s.method === "POST").map((s) => s.path)).toEqual([`report-media/${key}`, `report-media/${key}`]);
    expect(seen.every((s) => s.auth === "Bearer service-role-secret")).toBe(true);
  });

  it("deletes with the service-role key, idempotently, and sends nothing for a key that is not a hash", async () => {
    const store = new SupabaseFileStore(SUPABASE, "service-role-secret", "report-media");
    const key = await store.put(new Uint8Array([9, 8, 7]));
    seen.length = 0;
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    await store.delete(key);
    await store.delete("../other-bucket/x");
    expect(seen.filter((s) => s.method === "DELETE")).toEqual([
      { method: "DELETE", path: `report-media/${key}`, auth: "Bearer service-role-secret" },
      { method: "DELETE", path: `report-media/${key}`, auth: "Bearer service-role-secret" },
    ]);
  });

  it("a failed delete is an error that names no key", async () => {
    server.use(http.delete(`${SUPABASE}/storage/v1/object/:bucket`, () => HttpResponse.json({ statusCode: "500", error: "Internal", message: "boom" }, { status: 500 })));
    const store = new SupabaseFileStore(SUPABASE, "service-role-secret", "report-media");
    const key = "a".repeat(64);
    const error = await store.delete(key).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^File store delete failed/);
    expect(error?.message).not.toContain(key);
    server.resetHandlers();
  });
});
