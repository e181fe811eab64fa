import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { publicSettings } from "~/modules/settings/settings.server";
import { env } from "~/utils/env.server";

/**
 * Map tiles through our own server (security review, finding 15). A browser that loads tiles from
 * a tile server tells it the person's address and the area they look at: an attorney looking at
 * incident locations would tell OpenStreetMap where the incidents are. Browsers ask `/tiles/z/x/y`
 * here instead; the server fetches the tile with nothing of the person in the request, keeps it
 * on disk (a size cap evicts the oldest) and answers with `no-store`, so a seized phone's cache
 * shows no map areas either. Pages' CSP allows images from this origin only.
 */

export const TILE_PATH = "/tiles/{z}/{x}/{y}";
export const MAX_ZOOM = 19;
const MAX_TILE_BYTES = 512 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
/** A tile that failed is not asked for again this soon (a tile server that is down is not hammered). */
const FAILURE_TTL_MS = 60_000;
/** Kept tiles are fetched again after this long, and served as they are should that fail. */
const FRESH_MS = 7 * 24 * 3_600_000;

export interface TileCoordinates {
  z: number;
  x: number;
  y: number;
}

/** z, x and y as a tile server knows them, or null: integers, z 0–19, x and y within 2^z. */
export function tileCoordinates(z: string | undefined, x: string | undefined, y: string | undefined): TileCoordinates | null {
  const parse = (v: string | undefined) => (v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : NaN);
  const [zn, xn, yn] = [parse(z), parse(x), parse(y)];
  if (!Number.isInteger(zn) || zn > MAX_ZOOM) return null;
  const size = 2 ** zn;
  return Number.isInteger(xn) && Number.isInteger(yn) && xn < size && yn < size ? { z: zn, x: xn, y: yn } : null;
}

/** The kind of image the bytes are, by their first bytes; null for anything else. */
export function imageType(bytes: Uint8Array): string | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === "RIFF" && String.fromCharCode(...bytes.subarray(8, 12)) === "WEBP") return "image/webp";
  return null;
}

export interface TileStoreOptions {
  dir: string;
  capBytes: number;
  fetch?: typeof fetch;
  userAgent: string;
  now?: () => number;
}

/** Tiles on disk under `dir`, at most `capBytes` of them, fetched through `fetch` when missing. */
export class TileStore {
  private readonly failures = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<Uint8Array | null>>();
  private total: number | null = null;
  private evicting: Promise<void> | null = null;
  /** Upstream requests made (for tests and logs). */
  fetched = 0;

  constructor(private readonly options: TileStoreOptions) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** The tile's bytes, or null when neither the disk nor the tile server has it. */
  async get(template: string, at: TileCoordinates): Promise<Uint8Array | null> {
    const url = template
      .replaceAll("{z}", String(at.z))
      .replaceAll("{x}", String(at.x))
      .replaceAll("{y}", String(at.y))
      .replaceAll("{s}", "a")
      .replaceAll("{r}", "");
    const file = path.join(this.options.dir, createHash("sha256").update(template).digest("hex").slice(0, 16), String(at.z), String(at.x), String(at.y));
    const kept = await readFile(file).then(
      async (bytes) => ({ bytes: new Uint8Array(bytes), fresh: this.now() - (await stat(file)).mtimeMs < FRESH_MS }),
      () => null,
    );
    if (kept?.fresh) return kept.bytes;
    const failedAt = this.failures.get(url);
    if (failedAt !== undefined && this.now() - failedAt < FAILURE_TTL_MS) return kept?.bytes ?? null;
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.fetchTile(url, file).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return (await pending) ?? kept?.bytes ?? null;
  }

  private async fetchTile(url: string, file: string): Promise<Uint8Array | null> {
    this.fetched += 1;
    try {
      // Nothing of the person goes along: no cookie, no address, no referrer; a User-Agent that
      // names this server, as tile servers' usage policies ask.
      const response = await (this.options.fetch ?? fetch)(url, {
        headers: { "User-Agent": this.options.userAgent, Accept: "image/png,image/jpeg,image/webp" },
        // A redirect could lead this server anywhere (an internal address): a tile server must answer itself.
        redirect: "error",
        referrerPolicy: "no-referrer",
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      const declared = Number(response.headers.get("content-length") ?? "0");
      if (!response.ok || declared > MAX_TILE_BYTES || !response.body) throw new Error(`tile server answered ${response.status}`);
      const bytes = await readCapped(response.body, MAX_TILE_BYTES);
      if (!bytes || !imageType(bytes)) throw new Error("not an image");
      this.failures.delete(url);
      await this.keep(file, bytes);
      return bytes;
    } catch {
      this.failures.set(url, this.now());
      if (this.failures.size > 10_000) this.failures.clear();
      return null;
    }
  }

  private async keep(file: string, bytes: Uint8Array) {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
      await writeFile(temporary, bytes);
      await rename(temporary, file);
      this.total = (this.total ?? (await this.measure())) + bytes.length;
      if (this.total > this.options.capBytes && !this.evicting) this.evicting = this.evict().finally(() => (this.evicting = null));
    } catch {
      // A full disk or a read-only folder: the tile is still served, only not kept.
    }
  }

  private async files(): Promise<{ file: string; size: number; mtime: number }[]> {
    const out: { file: string; size: number; mtime: number }[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          const info = await stat(full).catch(() => null);
          if (info) out.push({ file: full, size: info.size, mtime: info.mtimeMs });
        }
      }
    };
    await walk(this.options.dir);
    return out;
  }

  private async measure() {
    return (await this.files()).reduce((sum, f) => sum + f.size, 0);
  }

  /** Deletes the oldest tiles until the store is back under 90 % of its cap (again, if tiles came meanwhile). */
  private async evict() {
    for (let round = 0; round < 5; round++) {
      const files = (await this.files()).sort((a, b) => a.mtime - b.mtime);
      let total = files.reduce((sum, f) => sum + f.size, 0);
      if (total <= this.options.capBytes) {
        this.total = total;
        return;
      }
      for (const f of files) {
        if (total <= this.options.capBytes * 0.9) break;
        await unlink(f.file).catch(() => {});
        total -= f.size;
      }
      this.total = total;
    }
  }

  /** Bytes kept on disk now (for tests). */
  async size() {
    await this.evicting;
    return this.measure();
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      void reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

let store: TileStore | null = null;

function tileStore() {
  if (!store) {
    const config = env();
    store = new TileStore({
      dir: path.resolve(config.DATA_DIR, "tiles"),
      capBytes: Number(process.env.TILE_CACHE_MB ?? 256) * 1024 * 1024,
      userAgent: `Testigo tile proxy (${new URL(config.APP_URL).origin})`,
    });
  }
  return store;
}

/** The answer to GET /tiles/z/x/y: the tile, 404 without a configured tile server, 502 when it has none. */
export async function tileResponse(at: TileCoordinates): Promise<Response> {
  const { mapTileUrl } = await publicSettings();
  const headers = { "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" };
  if (!mapTileUrl) return new Response("No map tiles are configured.", { status: 404, headers });
  const bytes = await tileStore().get(mapTileUrl, at);
  if (!bytes) return new Response("The map tile is not available.", { status: 502, headers });
  return new Response(Buffer.from(bytes), { headers: { ...headers, "Content-Type": imageType(bytes) ?? "application/octet-stream" } });
}
