import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "./components/nonce";
import { fallbackLanguage, isLanguage, resources } from "./i18n/config";
import { i18nServer } from "./i18n/i18next.server";
import { I18nextProvider } from "./i18n/react";
import { createClientI18n, type Translations } from "./i18n/translator";
import { requestContext } from "./modules/auth/guards.server";
import { contentSecurityPolicy } from "./utils/csp.server";
import { burstBody } from "./utils/response-io.server";
import { isPublicPath, publicCacheHeaders } from "./utils/public-page.server";

export const streamTimeout = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // The loaders are done: the request's shared reads end before the page renders.
  void requestContext(loadContext).end();
  const detected = remixContext.staticHandlerContext.loaderData?.root?.locale ?? (await i18nServer.getLocale(request));
  const lng = isLanguage(detected) ? detected : fallbackLanguage;
  // The browser's small translator, over the translations the server holds (app/i18n/vite-plugin.ts).
  const instance = createClientI18n(lng, resources[lng].translation as unknown as Translations, async (other) =>
    isLanguage(other) ? (resources[other].translation as unknown as Translations) : (resources[fallbackLanguage].translation as unknown as Translations),
  );
  const nonce = loadContext.cspNonce;
  // Pages show people's own reports, rosters and typed-back form values: never kept by a browser's
  // cache or back/forward cache, nor by anything in between. Public pages (/alerts) are the same
  // for everyone, carry no script, and may be kept a minute (app/utils/public-page.server.ts).
  const publicPage = isPublicPath(new URL(request.url).pathname) && responseStatusCode === 200;
  if (publicPage) publicCacheHeaders(request).forEach((value, name) => responseHeaders.set(name, value));
  else responseHeaders.set("Cache-Control", "private, no-store");
  responseHeaders.set(
    "Content-Security-Policy",
    contentSecurityPolicy({
      nonce,
      production: process.env.NODE_ENV === "production",
      hmrPort: loadContext.hmrPort,
      scripts: !publicPage,
    }),
  );
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <I18nextProvider i18n={instance}>
          <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
        </I18nextProvider>
      </NonceProvider>,
      {
        nonce,
        [readyEvent]() {
          shellRendered = true;
          // React's chunks of one turn as one: one call of the compressor, not thirty.
          const body = burstBody();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors are logged without request details; the browser gets the error boundary, never a stack.
          if (shellRendered) console.error(error instanceof Error ? error.message : error);
        },
      },
    );
    setTimeout(abort, streamTimeout + 1000);
  });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
}
