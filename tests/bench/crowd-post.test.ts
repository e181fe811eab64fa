import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdPost } from "../../bench/lib/claim-storm";

// The claim storm's crowd client (bench/lib/claim-storm.ts) against node:http's server.
let server: http.Server;
let port = 0;
const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(parts).toString() });
      if (req.url === "/length") res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": "5" }).end("hello");
      else if (req.url === "/redirect") res.writeHead(302, { Location: "/login?redirectTo=%2Fshifts" }).end();
      else if (req.url === "/chunked") {
        // three chunks, written turns apart: the reply arrives in pieces
        res.writeHead(200, { "Content-Type": "text/x-script" });
        res.write("día ");
        setTimeout(() => res.write("uno "), 5);
        setTimeout(() => res.end("y dos"), 10);
      } else if (req.url === "/early") {
        res.writeEarlyHints({ link: "</app.css>; rel=preload; as=style" }, () => res.writeHead(200, { "Content-Length": "4" }).end("real"));
      } else if (req.url === "/empty") res.writeHead(204).end();
      else if (req.url === "/cut") {
        res.writeHead(200, { "Content-Length": "100" });
        res.write("only part");
        setTimeout(() => res.socket?.destroy(), 5);
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("crowdPost", () => {
  it("sends the POST with its headers and body, and reads a reply with a length", async () => {
    const sockets: Socket[] = [];
    const reply = await crowdPost(port, "/length", { Cookie: "s=1", "Content-Type": "application/x-www-form-urlencoded" }, "intent=claim", sockets);
    expect(reply).toMatchObject({ status: 200, body: "hello", location: null });
    expect(reply.ms).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/length", body: "intent=claim" });
    expect(seen.at(-1)!.headers).toMatchObject({ cookie: "s=1", "content-type": "application/x-www-form-urlencoded", "content-length": "12" });
    // the connection stays open until the storm closes it
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.destroyed).toBe(false);
    sockets[0]!.destroy();
  });

  it("reads a chunked reply that comes in pieces, and a redirect's location", async () => {
    const sockets: Socket[] = [];
    await expect(crowdPost(port, "/chunked", {}, "", sockets)).resolves.toMatchObject({ status: 200, body: "día uno y dos" });
    await expect(crowdPost(port, "/redirect", {}, "", sockets)).resolves.toMatchObject({ status: 302, location: "/login?redirectTo=%2Fshifts", body: "" });
    for (const s of sockets) s.destroy();
  });

  it("skips an informational answer, and reads an answer that has no body", async () => {
    const sockets: Socket[] = [];
    await expect(crowdPost(port, "/early", {}, "", sockets)).resolves.toMatchObject({ status: 200, body: "real" });
    await expect(crowdPost(port, "/empty", {}, "", sockets)).resolves.toMatchObject({ status: 204, body: "" });
    for (const s of sockets) s.destroy();
  });

  it("fails when the connection ends before the whole reply, or cannot be made", async () => {
    await expect(crowdPost(port, "/cut", {}, "", [])).rejects.toThrow(/ended before the whole reply/);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(crowdPost(unused, "/length", {}, "", [])).rejects.toThrow(/ECONNREFUSED/);
    // closed by its own side before the answer (a storm cut short): settled, not left pending
    const sockets: Socket[] = [];
    const pending = crowdPost(port, "/chunked", {}, "", sockets);
    sockets[0]!.destroy();
    await expect(pending).rejects.toThrow(/closed before the whole reply/);
  });
});
