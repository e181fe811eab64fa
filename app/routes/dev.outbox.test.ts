import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { isLoopbackPeer } from "~/utils/peer.server";
import { loader } from "./dev.outbox";

const args = (context: Partial<AppLoadContext>) =>
  ({ request: new Request("http://127.0.0.1/dev/outbox"), params: {}, context: context as AppLoadContext }) as LoaderFunctionArgs;

async function status(context: Partial<AppLoadContext>) {
  try {
    loader(args(context));
    return 200;
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
}

describe("the development outbox (security review, finding 12)", () => {
  it("answers a request whose socket is this machine, in test mode", async () => {
    expect(await status({ loopbackPeer: true })).toBe(200);
  });

  it("is not found for a peer elsewhere, whatever address the server is bound to", async () => {
    // Before the fix the loader looked only at HOST (the bind address): a server bound to
    // 127.0.0.1 behind a same-machine proxy showed every sign-in code to the internet.
    expect(process.env.HOST ?? "localhost").toMatch(/^(localhost|127\.0\.0\.1|::1)$/);
    expect(await status({ loopbackPeer: false })).toBe(404);
    expect(await status({})).toBe(404);
  });

  it("knows a loopback socket address from any other", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect([address, isLoopbackPeer(address)]).toEqual([address, true]);
    for (const address of ["10.0.0.1", "192.168.1.9", "::ffff:10.0.0.1", "fe80::1", "128.0.0.1", "1127.0.0.1", "", undefined, null]) {
      expect([address, isLoopbackPeer(address)]).toEqual([address, false]);
    }
  });
});
