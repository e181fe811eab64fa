import { createRequire } from "node:module";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";

// The server's copies (CommonJS, as the server build requires them), with the patches in
// patches/: RemixServer builds its route tree once per build, createStaticRouter its data routes
// once per routes array.
const require = createRequire(import.meta.url);
const { createStaticHandler } = require("@remix-run/router") as typeof import("@remix-run/router");
const { createStaticRouter } = require("react-router-dom/server") as typeof import("react-router-dom/server");
const { RemixServer } = require("@remix-run/react/dist/server.js") as typeof import("@remix-run/react");

describe("createStaticRouter (patched)", () => {
  const routes = [{ id: "root", path: "/", children: [{ id: "shift", path: "shifts/:shiftId" }] }];

  it("gives the same data routes for the same routes array, with each request's own matches", async () => {
    const handler = createStaticHandler(routes);
    const first = await handler.query(new Request("http://x/shifts/a"));
    const second = await handler.query(new Request("http://x/shifts/b"));
    if (first instanceof Response || second instanceof Response) throw new Error("unexpected response");
    const a = createStaticRouter(routes, first);
    const b = createStaticRouter(routes, second);
    expect(b.routes).toBe(a.routes);
    expect(a.state.matches.map((m) => [m.route.id, m.params.shiftId])).toEqual([["root", "a"], ["shift", "a"]]);
    expect(b.state.matches.map((m) => [m.route.id, m.params.shiftId])).toEqual([["root", "b"], ["shift", "b"]]);
    // the matches point at the data routes the router renders
    expect(b.state.matches[1]!.route).toBe(b.routes[0]!.children![0]);
  });

  it("converts routes with lazy ones among them every time (a static handler resolves them by changing them)", async () => {
    const lazyRoutes = [{ id: "root", path: "/", children: [{ id: "later", path: "later", lazy: async () => ({ loader: () => null }) }] }];
    const context = await createStaticHandler(lazyRoutes).query(new Request("http://x/"));
    if (context instanceof Response) throw new Error("unexpected response");
    expect(createStaticRouter(lazyRoutes, context).routes).not.toBe(createStaticRouter(lazyRoutes, context).routes);
  });
});

describe("RemixServer (patched)", () => {
  const manifestRoutes = { root: { id: "root", path: "", hasLoader: false, hasAction: false, hasClientLoader: false, hasClientAction: false, hasErrorBoundary: false, module: "/root.js" } };
  // one build's: the same objects on every request
  const future = {};
  const render = async (Page: () => string) => {
    const routeModules = { root: { default: Page } };
    const context = await createStaticHandler([{ id: "root", path: "" }]).query(new Request("http://x/"));
    if (context instanceof Response) throw new Error("unexpected response");
    const entryContext = {
      manifest: { routes: manifestRoutes, entry: { module: "/entry.js", imports: [] }, url: "/manifest.js", version: "1" },
      routeModules,
      criticalCss: undefined,
      serverHandoffString: "{}",
      future,
      isSpaMode: false,
      staticHandlerContext: context,
      serializeError: (error: Error) => ({ message: error.message }),
      renderMeta: {},
    };
    return renderToString(createElement(RemixServer, { context: entryContext as never, url: "http://x/" }));
  };

  it("renders the route's module as it is now: the same build twice, then a module replaced (development)", async () => {
    const one = () => "first module";
    expect(await render(one)).toContain("first module");
    expect(await render(one)).toContain("first module");
    expect(await render(() => "second module")).toContain("second module");
  });
});
