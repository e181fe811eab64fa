/**
 * Translations reach the browser as one JSON file per language, not as JavaScript in every page:
 * a page fetches only its own language (preloaded from the document head, cached for a year
 * under a content hash) and hydrates once it is in. `virtual:translations` tells the server and
 * the browser where each language's file is. The server keeps every language in memory
 * (app/i18n/config.ts). Why: docs/decisions/009-performance-budgets.md.
 */
import { createHash } from "node:crypto";
import { runnerImport, type Plugin, type ResolvedConfig } from "vite";
import { supportedLanguages, type Language } from "./languages";

const VIRTUAL = "virtual:translations";
const RESOLVED = `\0${VIRTUAL}`;
const DEV_PREFIX = "/@translations/";

/** The locale modules, evaluated as they are now (each call sees the files' current content). */
async function translationsJson(root: string): Promise<Record<Language, string>> {
  const entries = await Promise.all(
    supportedLanguages.map(async (lng) => {
      const { module } = await runnerImport<{ default: unknown }>(`${root}/app/i18n/locales/${lng}.ts`, {
        configFile: false,
        logLevel: "error",
        root,
      });
      return [lng, JSON.stringify(module.default)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<Language, string>;
}

export function translationsPlugin(): Plugin {
  let config: ResolvedConfig;
  let built: Record<Language, { fileName: string; json: string }> | undefined;

  return {
    name: "testigo:translations",
    configResolved(resolved) {
      config = resolved;
    },
    async buildStart() {
      if (config.command !== "build") return;
      const json = await translationsJson(config.root);
      built = Object.fromEntries(
        supportedLanguages.map((lng) => {
          const hash = createHash("sha256").update(json[lng]).digest("base64url").slice(0, 10);
          return [lng, { fileName: `assets/locale-${lng}-${hash}.json`, json: json[lng] }];
        }),
      ) as Record<Language, { fileName: string; json: string }>;
    },
    resolveId(id) {
      return id === VIRTUAL ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      const urls = Object.fromEntries(
        supportedLanguages.map((lng) => [lng, built ? `${config.base}${built[lng].fileName}` : `${DEV_PREFIX}${lng}.json`]),
      );
      return `export const translationUrls = ${JSON.stringify(urls)};`;
    },
    generateBundle() {
      // The server build only needs the names; the files go with the browser's.
      if (!built || config.build.ssr) return;
      for (const { fileName, json } of Object.values(built)) this.emitFile({ type: "asset", fileName, source: json });
    },
    configureServer(server) {
      server.middlewares.use(async (req, res, next) => {
        const lng = req.url?.startsWith(DEV_PREFIX) ? req.url.slice(DEV_PREFIX.length).replace(/\.json(\?.*)?$/, "") : null;
        if (!lng || !(supportedLanguages as readonly string[]).includes(lng)) return next();
        try {
          const json = await translationsJson(config.root);
          res.setHeader("Content-Type", "application/json; charset=utf-8");
          res.setHeader("Cache-Control", "no-store");
          res.end(json[lng as Language]);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}

/**
 * `react-i18next` is ./react.tsx (a small translator, one language at a time), in the browser and
 * when the server renders a page: i18next's `t` and a fresh i18next instance per request cost the
 * server about a tenth of a page's time, and the two translators print the same text
 * (translator.test.ts). Emails, exports and errors keep i18next (app/i18n/i18next.server.ts).
 * Why: docs/decisions/009-performance-budgets.md and 012-request-pipeline.md.
 */
export function clientTranslatorPlugin(): Plugin {
  let shim = "";
  return {
    name: "testigo:client-translator",
    enforce: "pre",
    // The development server leaves node_modules imports to Node when it renders, without asking
    // plugins: react-i18next must go through Vite there too to become the shim.
    config: () => ({ ssr: { noExternal: ["react-i18next"] } }),
    configResolved(resolved) {
      shim = `${resolved.root}/app/i18n/react.tsx`;
    },
    resolveId(source) {
      return source === "react-i18next" ? shim : undefined;
    },
  };
}
