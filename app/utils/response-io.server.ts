/**
 * Fewer writes per response (server.ts). On this kind of machine a write to a socket or a pipe is
 * one of the dearer things a request does, and Remix makes several: it flushes the compressor
 * after every chunk React hands it (about 2 KB), and every response wrote its own log line.
 */

import { Transform } from "node:stream";

type Flushable = { flush?: () => void; readonly writableEnded: boolean };

/**
 * A flush asked for while chunks are still coming runs once, when they stop (the next turn of the
 * event loop). What streams later (a Suspense boundary, a deferred value) still leaves at once; a
 * page rendered in one go leaves as one compressed block. Before, GET /shifts sent a sync-flushed
 * gzip block per 2 KB: 24 KB on the wire where one flush gives 15 KB, and a zlib call and a
 * socket write per block (bench/run.ts).
 */
export function coalesceFlushes(res: Flushable) {
  const flush = res.flush;
  if (typeof flush !== "function") return;
  let pending = false;
  res.flush = () => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      // After end() the compressor has finished the stream: nothing is left to flush.
      if (!res.writableEnded) flush.call(res);
    });
  };
}

type Corkable = { write: (...args: never[]) => boolean; cork: () => void; uncork: () => void };

/**
 * The writes of one burst leave in one system call: the response is corked at its first write
 * and uncorked on the next turn of the event loop (then again for a later burst). Remix writes
 * a streamed body chunk by chunk, and Node sends the headers and each chunk, and the end of a
 * chunked body, as writes of their own: 3 or more per claim POST, each a system call, which
 * cost the claim storm's server about a tenth of its CPU.
 */
export function coalesceWrites(res: Corkable) {
  const write = res.write;
  let corked = false;
  res.write = function (this: Corkable, ...args: never[]) {
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(() => {
        corked = false;
        res.uncork();
      });
    }
    return write.apply(this, args);
  } as Corkable["write"];
}

/**
 * Log lines written together, once per turn of the event loop, instead of one synchronous write
 * each (standard output is synchronous for files and pipes). A line waits at most that turn.
 */
const PIPE_BUF = 4096;

export function lineWriter(write: (text: string) => void = (text) => process.stdout.write(text)) {
  let lines: string[] = [];
  // Each write at most PIPE_BUF (4 KiB) of whole lines: server processes that share one stdout
  // (WEB_CONCURRENCY) then never interleave inside a line, since a pipe takes such a write whole.
  const flush = () => {
    if (!lines.length) return;
    let text = "";
    for (const line of lines) {
      const next = `${line}\n`;
      if (text && Buffer.byteLength(text) + Buffer.byteLength(next) > PIPE_BUF) {
        write(text);
        text = "";
      }
      text += next;
    }
    lines = [];
    write(text);
  };
  const log = (line: string) => {
    lines.push(line);
    if (lines.length === 1) setImmediate(flush);
  };
  /** Writes what waits now (before the process exits). */
  log.flush = flush;
  return log;
}

/** At most this much of a page waits in its body (a page is about 60 KB): then writes wait too. */
const BURST_LIMIT = 256 * 1024;

/**
 * A page's body as React writes it, in bursts: what React writes in one turn of the event loop
 * (the whole shell of a page, about 30 chunks of 2 KB) passes on as one chunk, on the next turn;
 * what streams later (a Suspense boundary) passes on the same way. Each chunk costs the
 * compressor a call of its own, a job on the thread pool and a callback: gzip of GET /shifts cost
 * the server a fifth of its CPU in 30 small writes (app/entry.server.tsx, bench/run.ts).
 */
export function burstBody(): Transform {
  let parts: Buffer[] = [];
  let waiting = 0;
  let scheduled = false;
  // The writer's callback, held while more than BURST_LIMIT waits (the reader is behind, or one
  // burst is that large): writes then return false, as with a PassThrough, and React waits for
  // 'drain'.
  let held: (() => void) | null = null;
  const release = () => {
    const done = held;
    held = null;
    done?.();
  };
  const take = () => {
    const burst = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    waiting = 0;
    return burst;
  };
  const body: Transform = new Transform({
    readableHighWaterMark: BURST_LIMIT,
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      waiting += chunk.length;
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (parts.length) body.push(take());
        });
      }
      if (waiting + body.readableLength >= BURST_LIMIT) held = done;
      else done();
    },
    flush(done) {
      if (parts.length) this.push(take());
      done();
    },
  });
  // The reader asks for more: a writer held back goes on.
  const read = body._read.bind(body);
  body._read = (size: number) => {
    release();
    read(size);
  };
  return body;
}
