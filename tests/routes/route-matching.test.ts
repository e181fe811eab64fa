import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// The server's copy of the router (CommonJS, as @remix-run/server-runtime requires it), with the
// patch in patches/@remix-run+router+*.patch: branches ranked once, compiled paths and the
// matches of recent paths kept.
const router = createRequire(import.meta.url)("@remix-run/router") as typeof import("@remix-run/router");

const routes = [
  {
    id: "root",
    path: "",
    children: [
      { id: "shifts", path: "shifts", children: [{ id: "shifts-index", index: true }, { id: "shift", path: ":shiftId" }] },
      { id: "review", path: "review/:reportId", children: [{ id: "review-index", index: true }] },
      { id: "splat", path: "*" },
    ],
  },
];
const shape = (matches: ReturnType<typeof router.matchRoutes>) =>
  matches?.map((m) => ({ id: m.route.id, params: { ...m.params }, pathname: m.pathname, pathnameBase: m.pathnameBase })) ?? null;

describe("route matching (the router patch)", () => {
  it("gives the same matches the second time, whatever the first caller did to its own", () => {
    const first = router.matchRoutes(routes, "/shifts/abc")!;
    const expected = shape(first);
    expect(expected).toEqual([
      { id: "root", params: { shiftId: "abc" }, pathname: "/", pathnameBase: "/" },
      { id: "shifts", params: { shiftId: "abc" }, pathname: "/shifts", pathnameBase: "/shifts" },
      { id: "shift", params: { shiftId: "abc" }, pathname: "/shifts/abc", pathnameBase: "/shifts/abc" },
    ]);
    const spoil = (matches: NonNullable<typeof first>) => {
      (matches[0]!.params as Record<string, string>).shiftId = "changed";
      matches[2]!.pathname = "/elsewhere";
      matches.pop();
    };
    spoil(first);
    const second = router.matchRoutes(routes, "/shifts/abc")!;
    expect(shape(second)).toEqual(expected);
    spoil(second);
    const third = router.matchRoutes(routes, "/shifts/abc")!;
    expect(shape(third)).toEqual(expected);
    expect(third).not.toBe(second);
    // as unpatched: every match of one result shares one params object
    expect(third[0]!.params).toBe(third[2]!.params);
  });

  it("matches each path on its own: params, the splat, encoded paths, a basename and no match", () => {
    expect(shape(router.matchRoutes(routes, "/review/r1"))?.map((m) => [m.id, m.params])).toEqual([
      ["root", { reportId: "r1" }],
      ["review", { reportId: "r1" }],
      ["review-index", { reportId: "r1" }],
    ]);
    expect(shape(router.matchRoutes(routes, "/shifts/other"))?.at(-1)?.params).toEqual({ shiftId: "other" });
    expect(shape(router.matchRoutes(routes, "/shifts/a%20b"))?.at(-1)?.params).toEqual({ shiftId: "a b" });
    expect(shape(router.matchRoutes(routes, "/nowhere/at/all"))?.at(-1)).toMatchObject({ id: "splat", params: { "*": "nowhere/at/all" } });
    expect(router.matchRoutes(routes, "/app/shifts/abc", "/app")?.at(-1)?.params).toEqual({ shiftId: "abc" });
    expect(router.matchRoutes(routes, "/shifts/abc", "/app")).toBeNull();
    expect(router.matchRoutes([{ id: "only", path: "only" }], "/other")).toBeNull();
    expect(router.matchRoutes([{ id: "only", path: "only" }], "/other")).toBeNull();
  });

  it("matches long paths and many different paths (more than it keeps) alike", () => {
    const long = `/shifts/${"x".repeat(400)}`;
    expect(router.matchRoutes(routes, long)?.at(-1)?.params).toEqual({ shiftId: "x".repeat(400) });
    expect(router.matchRoutes(routes, long)?.at(-1)?.params).toEqual({ shiftId: "x".repeat(400) });
    for (let i = 0; i < 1200; i++) {
      const id = `s${i % 600}`;
      expect(router.matchRoutes(routes, `/shifts/${id}`)?.at(-1)?.params.shiftId).toBe(id);
    }
  });

  it("forgets what it kept of a routes array that routes are patched into (route discovery)", async () => {
    const memory = router
      .createRouter({
        routes: [{ id: "root", path: "/", children: [{ id: "home", index: true }] }],
        history: router.createMemoryHistory(),
        patchRoutesOnNavigation: ({ path, patch }) => {
          if (path === "/found") patch("root", [{ id: "found", path: "found" }]);
        },
      })
      .initialize();
    // discovery matches the same array before and after it patches routes into it
    await memory.navigate("/found");
    expect(memory.state.matches.map((m) => m.route.id)).toEqual(["root", "found"]);
    expect(memory.state.errors).toBeNull();
    memory.dispose();
  });
});
