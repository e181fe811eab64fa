/**
 * Prints the gzip size of the JavaScript each page downloads in the production build:
 * `npm run build && npx tsx bench/bundle-size.ts`. Starts from the browser manifest Remix ships
 * (entry and route modules), follows static imports, and the lazily imported map chunk.
 * Writes bench/results/bundle-size.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const client = path.resolve("build/client");
const manifestFile = readdirSync(path.join(client, "assets")).find((f) => /^manifest-.*\.js$/.test(f))!;
const manifest = JSON.parse(
  readFileSync(path.join(client, "assets", manifestFile), "utf8").replace(/^window\.__remixManifest=/, "").replace(/;\s*$/, ""),
) as {
  entry: { module: string; imports: string[] };
  routes: Record<string, { module: string; imports?: string[] }>;
};

const read = (url: string) => readFileSync(path.join(client, url), "utf8");
const size = (url: string) => gzipSync(readFileSync(path.join(client, url)), { level: 9 }).length;

/** Which lazily loaded map a page asks for: the read-only viewer, the editor with Geoman, or none. */
type MapKind = "viewer" | "editor" | null;
const MAP_CHUNK: Record<"viewer" | "editor", RegExp> = {
  viewer: /import\("(\.\/zone-map\.client-[^"]*\.js)"\)/g,
  editor: /import\("(\.\/zone-map-editor\.client-[^"]*\.js)"\)/g,
};

function closure(start: string[], map: MapKind) {
  const seen = new Set<string>();
  const visit = (url: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    const text = read(url);
    const dir = path.posix.dirname(url);
    for (const m of text.matchAll(/(?:from|import)\s*"(\.\/[^"]+\.js)"/g)) visit(path.posix.join(dir, m[1]!));
    if (map) for (const m of text.matchAll(MAP_CHUNK[map])) visit(path.posix.join(dir, m[1]!));
  };
  start.forEach(visit);
  return [...seen];
}

const pages: Record<string, [string, MapKind]> = {
  "/login (no map)": ["routes/login._index", null],
  "/profile (no map)": ["routes/profile", null],
  "/admin/people (no map)": ["routes/admin.people", null],
  "/coordinate/zones": ["routes/coordinate.zones._index", "editor"],
  "/coordinate/zones/:id": ["routes/coordinate.zones.$id", "editor"],
  "/coordinate/coverage": ["routes/coordinate.coverage", "viewer"],
  "/shifts": ["routes/shifts._index", "viewer"],
  "/shifts/:id": ["routes/shifts.$id", "viewer"],
  "/my/shifts (no map)": ["routes/my.shifts", null],
  "/coordinate/shifts (no map)": ["routes/coordinate.shifts._index", null],
  "/reports/new": ["routes/reports.new", "viewer"],
  "/reports/:id": ["routes/reports.$id._index", "viewer"],
};

const results: Record<string, { files: number; gzipKiB: number; leaflet: boolean; geoman: boolean }> = {};
for (const [page, [id, map]] of Object.entries(pages)) {
  const route = manifest.routes[id]!;
  const root = manifest.routes.root!;
  const start = [manifest.entry.module, ...manifest.entry.imports, root.module, ...(root.imports ?? []), route.module, ...(route.imports ?? [])];
  const files = closure(start, map);
  const bytes = files.reduce((sum, f) => sum + size(f), 0);
  const leaflet = files.some((f) => read(f).includes("leaflet-pane"));
  const geoman = files.some((f) => read(f).includes("leaflet-pm-toolbar"));
  results[page] = { files: files.length, gzipKiB: Math.round((bytes / 1024) * 10) / 10, leaflet, geoman };
  console.log(
    `${page.padEnd(26)} ${results[page]!.gzipKiB.toFixed(1).padStart(7)} KiB gzip, ${files.length} files${leaflet ? ", Leaflet" : ""}${geoman ? ", Geoman" : ""}`,
  );
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/bundle-size.json", `${JSON.stringify(results, null, 2)}\n`);
