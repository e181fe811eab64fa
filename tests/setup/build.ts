import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The newest modification time of the app's server code (what the build is made of). */
function newestSource(dir = "app"): number {
  let newest = statSync("server.ts").mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (/\.(tsx?|css)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/**
 * For tests that serve the production build (build/): `npm test` builds first; a lone `vitest
 * run` on a fresh clone builds here. A stale build is refused, not rebuilt: build/ may be serving
 * someone's browser tests right now.
 */
export function ensureFreshBuild() {
  const BUILD = "build/server/index.js";
  if (!existsSync(BUILD)) {
    execFileSync("npx", ["remix", "vite:build"], { stdio: "ignore", timeout: 240_000 });
  } else if (statSync(BUILD).mtimeMs < newestSource()) {
    throw new Error("build/ is older than the app's source: run `npx remix vite:build` (npm test does) and run this test again.");
  }
}
