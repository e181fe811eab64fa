import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { imageType, TileStore, tileCoordinates } from "./tiles.server";

/** The tile server is third-party HTTP: MSW stands in for it (security review, finding 15). */
const TEMPLATE = "https://tiles.test.example/{z}/{x}/{y}.png";
const png = (n: number, size = 64) => {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  bytes[8] = n % 256;
  return bytes;
};
const seen: Request[] = [];
let answer: (z: string, x: string, y: string) => Response = (z, x, y) =>
  new HttpResponse(png(Number(z) + Number(x) + Number(y)), { headers: { "Content-Type": "image/png" } });
const server = setupServer(
  http.get("https://tiles.test.example/:z/:x/:file", ({ request, params }) => {
    seen.push(request.clone());
    return answer(String(params.z), String(params.x), String(params.file).replace(/\.png$/, ""));
  }),
);
const dirs: string[] = [];
const store = (capBytes = 1_000_000, now?: () => number) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "testigo-tiles-"));
  dirs.push(dir);
  return new TileStore({ dir, capBytes, userAgent: "Testigo tile proxy (https://testigo.test)", now });
};

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  seen.length = 0;
  answer = (z, x, y) => new HttpResponse(png(Number(z) + Number(x) + Number(y)), { headers: { "Content-Type": "image/png" } });
});
afterAll(() => {
  server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("map tiles through this server (security review, finding 15)", () => {
  it("fetches a tile once, with nothing of the person in the request, and serves it from disk after", async () => {
    const tiles = store();
    const first = await tiles.get(TEMPLATE, { z: 12, x: 1050, y: 1522 });
    expect(first && imageType(first)).toBe("image/png");
    const again = await tiles.get(TEMPLATE, { z: 12, x: 1050, y: 1522 });
    expect(again).toEqual(first);
    expect(tiles.fetched).toBe(1);
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(new URL(request.url).pathname).toBe("/12/1050/1522.png");
    expect(request.headers.get("user-agent")).toBe("Testigo tile proxy (https://testigo.test)");
    for (const header of ["cookie", "x-forwarded-for", "forwarded", "referer", "authorization"]) expect(request.headers.get(header)).toBeNull();
  });

  it("asks once for a tile many people want at the same moment", async () => {
    const tiles = store();
    const all = await Promise.all(Array.from({ length: 10 }, () => tiles.get(TEMPLATE, { z: 3, x: 1, y: 2 })));
    expect(all.every((t) => t !== null)).toBe(true);
    expect(tiles.fetched).toBe(1);
  });

  it("gives nothing for an error, a page that is not an image, or an oversized answer, keeps none of them, and does not retry a failure at once", async () => {
    const tiles = store();
    answer = () => new HttpResponse("down", { status: 503 });
    expect(await tiles.get(TEMPLATE, { z: 1, x: 0, y: 0 })).toBeNull();
    expect(await tiles.get(TEMPLATE, { z: 1, x: 0, y: 0 })).toBeNull();
    expect(tiles.fetched).toBe(1);
    answer = () => new HttpResponse("<html>hello</html>", { headers: { "Content-Type": "image/png" } });
    expect(await tiles.get(TEMPLATE, { z: 1, x: 1, y: 0 })).toBeNull();
    answer = () => new HttpResponse(png(1, 600 * 1024), { headers: { "Content-Type": "image/png" } });
    expect(await tiles.get(TEMPLATE, { z: 1, x: 1, y: 1 })).toBeNull();
    expect(await tiles.size()).toBe(0);
  });

  it("keeps under its size cap by letting the oldest tiles go", async () => {
    const tiles = store(64 * 10);
    for (let y = 0; y < 30; y++) expect(await tiles.get(TEMPLATE, { z: 5, x: 3, y })).not.toBeNull();
    expect(await tiles.size()).toBeLessThanOrEqual(64 * 10);
    expect(await tiles.size()).toBeGreaterThan(0);
  });

  it("serves a kept tile when the tile server is down", async () => {
    let now = Date.now();
    const tiles = store(1_000_000, () => now);
    const kept = await tiles.get(TEMPLATE, { z: 4, x: 2, y: 2 });
    answer = () => HttpResponse.error();
    now += 8 * 24 * 3_600_000; // past freshness: asked again, and the old copy serves
    expect(await tiles.get(TEMPLATE, { z: 4, x: 2, y: 2 })).toEqual(kept);
    expect(tiles.fetched).toBe(2);
  });

  it("takes only real tile coordinates", () => {
    expect(tileCoordinates("0", "0", "0")).toEqual({ z: 0, x: 0, y: 0 });
    expect(tileCoordinates("19", String(2 ** 19 - 1), "5")).toEqual({ z: 19, x: 2 ** 19 - 1, y: 5 });
    for (const [z, x, y] of [["20", "0", "0"], ["2", "4", "0"], ["2", "0", "4"], ["-1", "0", "0"], ["1.5", "0", "0"], ["a", "0", "0"], ["1", "0x1", "0"], [undefined, "0", "0"], ["1", "", "0"]]) {
      expect([z, x, y, tileCoordinates(z, x, y)]).toEqual([z, x, y, null]);
    }
  });
});
