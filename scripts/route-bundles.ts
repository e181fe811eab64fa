/**
 * What each page of the production build makes the browser download, read from the build itself
 * (`build/client`): the Remix browser manifest gives the entry and every route's module; static
 * imports are followed in the emitted files; lazily imported chunks that carry Leaflet are the
 * page's map. Used by the budget check (scripts/check-budgets.ts) and bench/bundle-size.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export interface RouteBundle {
  /** Remix route id, e.g. "routes/reports.new". */
  id: string;
  /** The page's URL pattern, e.g. "/reports/:id". */
  url: string;
  /** Staff pages are for coordinators, attorneys and admins; every other page is an observer's. */
  audience: "observer" | "staff";
  /** Lazily loaded map chunks the page shows (their static imports included), by chunk name. */
  maps: string[];
  /** Files downloaded for the page: entry, root, route, their static imports, and the map. */
  files: string[];
  /** gzip bytes (level 9) of `files`. */
  gzipBytes: number;
  /** Other lazily loaded JavaScript the page may fetch after it is up (not counted in `gzipBytes`). */
  laterFiles: string[];
  laterGzipBytes: number;
}

interface Manifest {
  entry: { module: string; imports: string[] };
  routes: Record<string, { id: string; parentId?: string; path?: string; index?: boolean; module: string; imports?: string[] }>;
}

/**
 * The map editor (Leaflet-Geoman) is in the same lazy wrapper as the read-only viewer, but only
 * the zone pages show it: every other page is charged for the viewer only. Any other lazily
 * imported chunk that carries Leaflet is charged to every page that can reach it.
 */
const LAZY_ONLY_ON: Record<string, string[]> = {
  "zone-map-editor.client": ["routes/coordinate.zones._index", "routes/coordinate.zones.$id"],
};

const STAFF_PREFIXES = ["/coordinate", "/admin", "/review", "/dev"];

/** "zone-map.client-D8shxeyr.js" → "zone-map.client" */
export const chunkName = (file: string) => path.posix.basename(file).replace(/-[\w-]{8}\.js$/, "");

export function readRouteBundles(root = process.cwd()): RouteBundle[] {
  const client = path.join(root, "build/client");
  const assets = path.join(client, "assets");
  if (!existsSync(assets)) throw new Error(`No production build in ${client}: run \`npx remix vite:build\` first.`);
  const manifestFile = readdirSync(assets).find((f) => /^manifest-.*\.js$/.test(f));
  if (!manifestFile) throw new Error(`No Remix browser manifest in ${assets}.`);
  const manifest = JSON.parse(
    readFileSync(path.join(assets, manifestFile), "utf8")
      .replace(/^window\.__remixManifest=/, "")
      .replace(/;\s*$/, ""),
  ) as Manifest;

  const texts = new Map<string, string>();
  const read = (url: string) => {
    let text = texts.get(url);
    if (text === undefined) {
      text = readFileSync(path.join(client, url), "utf8");
      texts.set(url, text);
    }
    return text;
  };
  const sizes = new Map<string, number>();
  const gzip = (url: string) => {
    let size = sizes.get(url);
    if (size === undefined) {
      size = gzipSync(readFileSync(path.join(client, url)), { level: 9 }).length;
      sizes.set(url, size);
    }
    return size;
  };
  const staticImports = (url: string) =>
    [...read(url).matchAll(/(?:from|import)\s*"(\.\/[^"]+\.js)"/g)].map((m) => path.posix.join(path.posix.dirname(url), m[1]!));
  const lazyImports = (url: string) =>
    [...read(url).matchAll(/import\(\s*"(\.\/[^"]+\.js)"\s*\)/g)].map((m) => path.posix.join(path.posix.dirname(url), m[1]!));
  const closure = (start: string[], into = new Set<string>()) => {
    const visit = (url: string) => {
      if (into.has(url)) return;
      into.add(url);
      staticImports(url).forEach(visit);
    };
    start.forEach(visit);
    return into;
  };
  const isMap = (chunk: string) => [...closure([chunk])].some((f) => read(f).includes("leaflet-pane"));

  const fullPath = (id: string): string => {
    const route = manifest.routes[id]!;
    const parent = route.parentId ? fullPath(route.parentId) : "";
    const own = route.path ?? "";
    return own ? `${parent.replace(/\/$/, "")}/${own}` : parent;
  };

  const bundles: RouteBundle[] = [];
  const rootRoute = manifest.routes.root!;
  for (const route of Object.values(manifest.routes)) {
    if (route.id === "root" || !hasComponent(root, route.id)) continue;
    const start = [
      manifest.entry.module,
      ...manifest.entry.imports,
      rootRoute.module,
      ...(rootRoute.imports ?? []),
      route.module,
      ...(route.imports ?? []),
    ];
    const files = closure(start);
    const lazy = [...new Set([...files].flatMap(lazyImports))];
    const maps = lazy.filter((chunk) => {
      const onlyOn = LAZY_ONLY_ON[chunkName(chunk)];
      return isMap(chunk) && (!onlyOn || onlyOn.includes(route.id));
    });
    const withMaps = closure(maps, new Set(files));
    const later = [...closure(lazy.filter((chunk) => !isMap(chunk)))].filter((f) => !withMaps.has(f));
    const url = fullPath(route.id) || "/";
    bundles.push({
      id: route.id,
      url: url.startsWith("/") ? url : `/${url}`,
      audience: STAFF_PREFIXES.some((p) => url.replace(/^\/?/, "/").startsWith(p)) ? "staff" : "observer",
      maps: maps.map(chunkName),
      files: [...withMaps],
      gzipBytes: [...withMaps].reduce((sum, f) => sum + gzip(f), 0),
      laterFiles: later,
      laterGzipBytes: later.reduce((sum, f) => sum + gzip(f), 0),
    });
  }
  return bundles.sort((a, b) => a.url.localeCompare(b.url));
}

/** Resource routes (no default export) have no page. */
function hasComponent(root: string, id: string) {
  const candidates = ["tsx", "ts", "jsx", "js"].flatMap((ext) => [`app/${id}.${ext}`, `app/${id}/route.${ext}`]);
  const file = candidates.map((c) => path.join(root, c)).find((c) => existsSync(c));
  if (!file) return true;
  return /export\s+default\b/.test(readFileSync(file, "utf8"));
}

export const gzipFile = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
