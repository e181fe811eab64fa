import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { burstBody, coalesceFlushes, coalesceWrites, lineWriter } from "./response-io.server";

describe("coalesceFlushes", () => {
  it("turns the flushes asked for in one burst into one, on the next turn of the event loop", async () => {
    let flushed = 0;
    const res = { flush: () => void (flushed += 1), writableEnded: false };
    coalesceFlushes(res);
    for (let i = 0; i < 10; i++) res.flush();
    expect(flushed).toBe(0);
    await nextTurn();
    expect(flushed).toBe(1);
    // a chunk that comes later (a streamed boundary) is flushed on its own turn
    res.flush();
    await nextTurn();
    expect(flushed).toBe(2);
  });

  it("does not flush a response that has ended meanwhile", async () => {
    let flushed = 0;
    const res = { flush: () => void (flushed += 1), writableEnded: false };
    coalesceFlushes(res);
    res.flush();
    res.writableEnded = true;
    await nextTurn();
    expect(flushed).toBe(0);
  });

  it("leaves a response without a compressor as it is", () => {
    const res: { flush?: () => void; writableEnded: boolean } = { writableEnded: false };
    coalesceFlushes(res);
    expect(res.flush).toBeUndefined();
  });
});

describe("lineWriter", () => {
  it("writes the lines of one turn in one write, in order, each ending in a newline", async () => {
    const writes: string[] = [];
    const log = lineWriter((text) => writes.push(text));
    log("GET /shifts 200 - - 3.1 ms");
    log("POST /shifts/x.data 200 - - 2.0 ms");
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(["GET /shifts 200 - - 3.1 ms\nPOST /shifts/x.data 200 - - 2.0 ms\n"]);
    log("GET /healthz 200 46 - 0.4 ms");
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe("GET /healthz 200 46 - 0.4 ms\n");
  });

  it("never writes more than 4 KiB at once, and never splits a line: processes sharing stdout cannot interleave inside one", async () => {
    const writes: string[] = [];
    const log = lineWriter((text) => writes.push(text));
    const lines = Array.from({ length: 300 }, (_, i) => `GET /shifts/${String(i).padStart(36, "0")} 200 - - ${i}.0 ms`);
    for (const line of lines) log(line);
    await nextTurn();
    expect(writes.length).toBeGreaterThan(1);
    for (const text of writes) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
      expect(text.endsWith("\n")).toBe(true);
    }
    expect(writes.join("")).toBe(lines.map((l) => `${l}\n`).join(""));
  });

  it("writes what waits when flushed (before the process exits), and nothing twice", async () => {
    const writes: string[] = [];
    const log = lineWriter((text) => writes.push(text));
    log("a");
    log.flush();
    expect(writes).toEqual(["a\n"]);
    await nextTurn();
    expect(writes).toEqual(["a\n"]);
  });
});

describe("coalesceWrites", () => {
  /** Socket writes (system calls) made for one response written in chunks across microtasks, as Remix writes a stream. */
  async function socketWritesFor(coalesce: boolean) {
    let writes = 0;
    const server = http.createServer(async (_req, res) => {
      const socket = res.socket as Socket & { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
      const write = socket._write.bind(socket);
      const writev = socket._writev?.bind(socket);
      socket._write = (...a: unknown[]) => ((writes += 1), write(...a));
      if (writev) socket._writev = (...a: unknown[]) => ((writes += 1), writev(...a));
      if (coalesce) coalesceWrites(res as never);
      res.setHeader("Content-Type", "text/plain");
      for (const chunk of ["one ", "two ", "three "]) {
        res.write(chunk);
        await Promise.resolve();
      }
      res.end("four");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
      expect(body).toBe("one two three four");
      return writes;
    } finally {
      server.close();
    }
  }

  it("sends a response written over several microtasks in one socket write, whole", async () => {
    const [before, after] = [await socketWritesFor(false), await socketWritesFor(true)];
    expect(after).toBe(1);
    expect(before).toBeGreaterThan(after);
  });
});

describe("burstBody", () => {
  const reading = (body: ReturnType<typeof burstBody>) => {
    const chunks: string[] = [];
    body.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    return chunks;
  };

  it("passes on what is written in one turn as one chunk, in order, and a later burst as the next", async () => {
    const body = burstBody();
    const chunks = reading(body);
    for (const part of ["<html>", "<body>", "<p>a</p>"]) body.write(Buffer.from(part));
    expect(chunks).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(chunks).toEqual(["<html><body><p>a</p>"]);
    // a Suspense boundary that resolves later: its own chunk
    body.write(Buffer.from("<script>1</script>"));
    body.write(Buffer.from("<script>2</script>"));
    await nextTurn();
    await nextTurn();
    expect(chunks).toEqual(["<html><body><p>a</p>", "<script>1</script><script>2</script>"]);
  });

  it("passes on what waits when it ends in the same turn, then ends", async () => {
    const body = burstBody();
    const chunks = reading(body);
    const ended = new Promise<void>((resolve) => body.on("end", () => resolve()));
    body.write(Buffer.from("<p>last</p>"));
    body.end(Buffer.from("</html>"));
    await ended;
    expect(chunks).toEqual(["<p>last</p></html>"]);
  });

  it("drops what waits when its reader went away, without an error", async () => {
    const body = burstBody();
    const chunks = reading(body);
    const errors: unknown[] = [];
    body.on("error", (error) => errors.push(error));
    body.write(Buffer.from("<p>gone</p>"));
    body.destroy();
    await nextTurn();
    await nextTurn();
    expect(chunks).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("holds the writer back while the reader is behind, then passes everything on in order", async () => {
    const body = burstBody();
    const writes: boolean[] = [];
    let next = 0;
    // A writer that, like React, stops at false and goes on at 'drain'.
    const writeSome = () => {
      while (next < 200) {
        const ok = body.write(Buffer.from(`${String(next++).padStart(4, "0")}${"x".repeat(2044)}`));
        writes.push(ok);
        if (!ok) return body.once("drain", writeSome);
      }
      body.end();
    };
    writeSome();
    for (let i = 0; i < 5; i++) await nextTurn();
    // nobody reads yet: the writer was told to wait, and less than the whole page is buffered
    expect(writes).toContain(false);
    expect(next).toBeLessThan(200);
    expect(body.readableLength + body.writableLength).toBeLessThan(200 * 2048);
    const received: string[] = [];
    body.on("data", (chunk: Buffer) => received.push(chunk.toString()));
    await new Promise<void>((resolve) => body.on("end", () => resolve()));
    const text = received.join("");
    expect(text.length).toBe(200 * 2048);
    expect(Array.from({ length: 200 }, (_, i) => text.slice(i * 2048, i * 2048 + 4))).toEqual(Array.from({ length: 200 }, (_, i) => String(i).padStart(4, "0")));
  });

  it("passes on a page larger than what it holds when the reader keeps up, in bursts, whole", async () => {
    const body = burstBody();
    const chunks = reading(body);
    const ended = new Promise<void>((resolve) => body.on("end", () => resolve()));
    let next = 0;
    const writeSome = () => {
      while (next < 300) if (!body.write(Buffer.alloc(2048, 97 + (next++ % 26)))) return body.once("drain", writeSome);
      body.end();
    };
    writeSome();
    await ended;
    expect(chunks.join("").length).toBe(300 * 2048);
    // 600 KB in a few bursts, not 300 chunks
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(10);
  });
});
