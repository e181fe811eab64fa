import cluster from "node:cluster";
import { createHmac, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import onHeaders from "on-headers";
import { startDatabase } from "./app/db/runtime.server";
import type { RequestScope } from "./app/modules/auth/guards.server";
import { stopLiveHub } from "./app/modules/live/hub.server";
import { startJobRunner } from "./app/jobs/jobs.server";
import { env } from "./app/utils/env.server";
import { isCrossSiteWrite } from "./app/utils/origin.server";
import { clientNetwork, isLoopbackPeer } from "./app/utils/peer.server";
import { coalesceFlushes, coalesceWrites, lineWriter } from "./app/utils/response-io.server";
import { shareOutPools, superviseWorkers, workerCount } from "./app/utils/workers.server";
import { vapidKeys } from "./app/integrations/push.server";

const config = env();
const production = config.NODE_ENV === "production";
const started = Date.now();

// WEB_CONCURRENCY server processes (app/utils/workers.server.ts): this one then starts the database
// and supervises them, and never goes past this point. Development serves from one (Vite's).
const workers = config.NODE_ENV === "development" ? 1 : workerCount(process.env.WEB_CONCURRENCY);
if (cluster.isPrimary && workers > 1) {
  const database = await startDatabase({ migrate: true, seed: "auto", serve: true, log: (line) => console.log(line) });
  // Made once, before the workers would each make their own at the same time (development only).
  vapidKeys();
  // Pool sizes left unset are shared out, so that n processes hold about the connections one did.
  shareOutPools(workers);
  await superviseWorkers({
    count: workers,
    ready: () => console.log(readyLine(database.embedded, database.requestRole, workers)),
    stop: () => database.stop(),
  });
}

function readyLine(embedded: boolean, requestRole: string | undefined, processes: number) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const where = embedded ? "embedded PostgreSQL" : "DATABASE_URL";
  return `Testigo is ready at http://${config.HOST}:${config.PORT} (${where}, requests as ${requestRole}, ${processes > 1 ? `${processes} processes, ` : ""}${seconds}s)`;
}

// Requests log in as a role of their own, not the owner's (docs/decisions/017-request-login.md).
// A worker finds the database its primary started, migrated and chose the login for (in its environment).
const database = await startDatabase(
  cluster.isWorker ? { migrate: false, seed: false, serve: true } : { migrate: true, seed: "auto", serve: true, log: (line) => console.log(line) },
);
// Shift emails (reminders, waitlist, cancellations); safe to run on every instance.
const stopJobRunner = startJobRunner();

// Vite serves the app only in development; production and the browser tests serve the build.
const viteDevServer = config.NODE_ENV !== "development"
  ? undefined
  : await import("vite").then((vite) => vite.createServer({ server: { middlewareMode: true }, appType: "custom" }));

const hmrPort = viteDevServer ? Number(process.env.HMR_PORT ?? 24678) : undefined;

const app = express();
app.disable("x-powered-by");
// A hop count, not `true`: the left-most X-Forwarded-For entry is whatever the client wrote.
app.set("trust proxy", config.TRUST_PROXY);
// Server-sent events (/live/events) are never compressed: gzip would hold events back until a
// buffer fills, and would cost a compressor's memory for every open stream.
app.use(
  compression({
    filter: (req, res) => !String(res.getHeader("Content-Type") ?? "").startsWith("text/event-stream") && compression.filter(req, res),
  }),
);
// One compressed block per burst of chunks, not one per 2 KB chunk, and one system call per burst
// of writes, not one per chunk (app/utils/response-io.server.ts).
app.use((_req, res, next) => {
  coalesceFlushes(res as Parameters<typeof coalesceFlushes>[0]);
  coalesceWrites(res as unknown as Parameters<typeof coalesceWrites>[0]);
  next();
});

// One layer for what every response gets: its log line and its security headers.
const logLine = lineWriter();
app.use((req, res, next) => {
  // Request logs carry no client address and no query string (calendar tokens live there).
  // Nor which map tiles were fetched: they would say what areas people looked at. Written when
  // the response is done or abandoned, as "method path status length - time ms".
  const started = performance.now();
  res.once("close", () => {
    const where = req.path.startsWith("/tiles/") ? "/tiles/…" : req.path;
    const ms = (performance.now() - started).toFixed(3);
    logLine(`${req.method} ${where} ${res.headersSent ? res.statusCode : "-"} ${res.getHeader("Content-Length") ?? "-"} - ${ms} ms`);
  });
  // The Content-Security-Policy of pages is set where the page is rendered (app/entry.server.tsx),
  // since it names the map's tile host from the settings. Setting one here too would add a second
  // header, and browsers enforce both.
  // Strict, yet same-origin form posts keep a real Origin header: with "no-referrer" Chromium sends
  // `Origin: null`, which Remix rightly refuses as a cross-site post.
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), interest-cohort=()");
  if (production) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  next();
});

if (viteDevServer) {
  app.use(viteDevServer.middlewares);
} else {
  app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
  const files = express.static("build/client", {
    maxAge: "1h",
    // The service worker must be re-checked on every visit, or a fixed one would wait an hour.
    setHeaders: (res, file) => {
      if (file.endsWith(`${path.sep}sw.js`)) res.setHeader("Cache-Control", "no-cache");
    },
  });
  // Only what the build holds goes to the file system: a page or a POST costs no stat() call.
  const published = new Set(readdirSync("build/client"));
  app.use((req, res, next) => (published.has(req.path.split("/")[1] ?? "") ? files(req, res, next) : next()));
}

const build = viteDevServer
  ? () => viteDevServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
  : ((await import(/* @vite-ignore */ new URL("./build/server/index.js", import.meta.url).href)) as ServerBuild);

const remix = createRequestHandler({
  build,
  mode: config.NODE_ENV,
  getLoadContext: (req, res) => ({
    // Made when read: only a rendered page has scripts to allow, not a POST, a .data request or a file.
    get cspNonce() {
      const nonce = randomBytes(16).toString("base64");
      Object.defineProperty(this, "cspNonce", { value: nonce });
      return nonce;
    },
    hmrPort,
    // Computed when read (sign-in's rate limits), not for every page.
    get clientKey() {
      const key = createHmac("sha256", config.SESSION_SECRET).update(clientNetwork(req.ip)).digest("hex");
      Object.defineProperty(this, "clientKey", { value: key });
      return key;
    },
    loopbackPeer: isLoopbackPeer(req.socket.remoteAddress),
    requestScope: res.locals.requestScope as RequestScope,
  }),
});

// Nothing that changes state may be asked for by another site's page, whatever route answers it
// (pages, resource routes such as /logout, /language or media uploads): one check for all
// (app/utils/origin.server.ts; security review, finding 8). Remix's own check covers page actions
// only, and answers 500.
const appUrlOrigin = process.env.APP_URL ? new URL(config.APP_URL).origin : null;
/** The Host the request came to, port included: X-Forwarded-Host only from a trusted proxy (as express's req.hostname). */
function requestHost(req: express.Request) {
  const trusted = (app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean)(req.socket.remoteAddress, 0);
  const forwarded = trusted ? req.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  return forwarded || req.get("host");
}
function refuseCrossSiteWrite(req: express.Request, res: express.Response): boolean {
  if (req.method === "GET" || req.method === "HEAD") return false;
  const refused = isCrossSiteWrite({
    method: req.method,
    secFetchSite: req.get("sec-fetch-site"),
    origin: req.get("origin"),
    host: requestHost(req),
    appOrigin: appUrlOrigin,
  });
  if (refused) res.status(403).type("text/plain").set("Cache-Control", "no-store").send("This request came from another site and was refused. / Esta solicitud vino de otro sitio y fue rechazada.");
  return refused;
}

// One request context per request: the person is found once, and the loaders' reads share one
// transaction (docs/decisions/012-request-pipeline.md). It ends when the document starts to
// render (app/entry.server.tsx), when the response's headers go out (the loaders are done: a
// file or a CSV stream must not hold the reads' connection while it downloads) or, at the
// latest, when the response is closed (a client that went away).
app.all("*", (req, res, next) => {
  if (refuseCrossSiteWrite(req, res)) return;
  const scope: RequestScope = {};
  res.locals.requestScope = scope;
  onHeaders(res, () => void scope.context?.end());
  res.once("close", () => {
    scope.closed = true;
    void scope.context?.end();
  });
  return remix(req, res, next);
});

// Last resort for errors outside Remix's boundaries: a plain page, never a stack trace.
app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  console.error(error instanceof Error ? error.message : error);
  if (!res.headersSent) res.status(500).type("text/plain").send("Something went wrong. / Algo salió mal.");
});

const server = app.listen(config.PORT, config.HOST, () => {
  // Workers listen quietly: their primary says when all of them do.
  if (!cluster.isWorker) console.log(readyLine(database.embedded, database.requestRole, 1));
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  server.close();
  server.closeAllConnections();
  try {
    stopJobRunner();
    await stopLiveHub();
    await viteDevServer?.close();
    await database.stop();
  } finally {
    // the request log lines of this last turn, even when stopping failed
    logLine.flush();
  }
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
