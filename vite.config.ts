import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import { clientTranslatorPlugin, translationsPlugin } from "./app/i18n/vite-plugin";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  server: {
    hmr: { port: Number(process.env.HMR_PORT ?? 24678) },
    // The embedded database and test output change constantly and are never app code.
    watch: { ignored: ["**/.data/**", "**/test-results/**", "**/playwright-report/**", "**/build/**"] },
  },
  build: { assetsInlineLimit: 0 },
  // Every browser dependency is pre-bundled at start, and nothing is discovered later. Left to
  // discovery, a fresh clone's first page load re-optimises (it even finds server-only packages
  // through route imports) and reloads mid-hydration, sometimes with two copies of React.
  // Add new client-side packages here.
  optimizeDeps: {
    noDiscovery: true,
    include: [
      "react",
      "react/jsx-runtime",
      "react/jsx-dev-runtime",
      "react-dom",
      "react-dom/client",
      "@remix-run/react",
      "@conform-to/react",
      "@conform-to/zod",
      "zod",
      "leaflet",
      "react-leaflet",
      "@geoman-io/leaflet-geoman-free",
      "leaflet.markercluster",
      "@turf/kinks",
      "remix-utils/client-only",
      "@date-fns/tz",
      "date-fns",
      "date-fns/locale/en-US",
      "date-fns/locale/es",
      "@noble/ciphers/chacha.js",
      "@noble/curves/ed25519.js",
      "@noble/hashes/hkdf.js",
      "@noble/hashes/scrypt.js",
      "@noble/hashes/sha2.js",
      "@noble/hashes/utils.js",
      "idb-keyval",
    ],
  },
  plugins: [
    !process.env.VITEST &&
      remix({
        ignoredRouteFiles: ["**/*.test.{ts,tsx}"],
        future: {
          v3_fetcherPersist: true,
          v3_relativeSplatPath: true,
          v3_throwAbortReason: true,
          v3_singleFetch: true,
          v3_lazyRouteDiscovery: true,
        },
      }),
    tsconfigPaths(),
    translationsPlugin(),
    clientTranslatorPlugin(),
  ],
});
