import { mkdtempSync, readdirSync, statSync } from "node:fs";
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
});
