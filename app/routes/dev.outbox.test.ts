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

describe("client networks for rate limits (security review, finding 6)", () => {
  it("counts an IPv6 client by its /64 and an IPv4 one by its address", async () => {
    const { clientNetwork } = await import("~/utils/peer.server");
    expect(clientNetwork("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8:1:2:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:DB8:0001:0002::")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientNetwork("::1")).toBe("0:0:0:0::/64");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientNetwork("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientNetwork("192.0.2.7")).toBe("192.0.2.7");
    expect(clientNetwork(undefined)).toBe("");
    // Two addresses of one /64 are one client; of two /64s, two.
    expect(clientNetwork("2001:db8:1:2::a")).toBe(clientNetwork("2001:db8:1:2:dead:beef:0:1"));
    expect(clientNetwork("2001:db8:1:2::a")).not.toBe(clientNetwork("2001:db8:1:3::a"));
  });
});
