import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitStatements, startPgProxy, statementKind, type PgProxy } from "../../bench/lib/pg-proxy";

// The worker's fresh database (tests/setup/worker-db.ts), reached through the proxy.
const databaseUrl = process.env.DATABASE_URL!;
let proxy: PgProxy;

beforeAll(async () => {
  proxy = await startPgProxy({ target: databaseUrl, record: true });
});
afterAll(async () => {
  await proxy.close();
});

/** A connected client through the proxy, and the counters of what `fn` sent once connected. */
async function counted(fn: (client: pg.Client) => Promise<unknown>, config: Partial<pg.ClientConfig> = {}) {
  const client = new pg.Client({ connectionString: proxy.url(databaseUrl), ...config });
  await client.connect();
  try {
    proxy.reset();
    await fn(client);
    return proxy.counters();
  } finally {
    await client.end();
  }
}

describe("splitStatements", () => {
  it("splits on top-level semicolons only and drops empty pieces", () => {
    expect(splitStatements("begin; select 1; commit")).toEqual(["begin", "select 1", "commit"]);
    expect(splitStatements("select ';' ; select \"a;b\" from t;;  ;")).toEqual(["select ';'", 'select "a;b" from t']);
    expect(splitStatements("select $$;$$; select $f$ a; $$ ; $f$; select 'it''s;'")).toHaveLength(3);
    expect(splitStatements("select E'\\';' ; select 2")).toEqual(["select E'\\';'", "select 2"]);
    expect(splitStatements("-- a; comment\nselect 1 /* ; /* nested; */ */; /* only ; a comment */ ; -- end;")).toHaveLength(1);
    expect(splitStatements("select $1::int; select 2")).toEqual(["select $1::int", "select 2"]);
    expect(splitStatements("")).toEqual([]);
  });

  it("knows transaction control", () => {
    expect(["BEGIN", "start transaction isolation level serializable", "commit", "END", "rollback", "abort"].map(statementKind)).toEqual([
      "begin",
      "begin",
      "end",
      "end",
      "end",
      "end",
    ]);
    expect(["rollback to savepoint a", "savepoint a", "commit prepared 'x'", "select 1"].map(statementKind)).toEqual(["other", "other", "other", "other"]);
  });
});

describe("pg proxy", () => {
  it("select 1: one statement, one transaction, one round trip", async () => {
    const c = await counted((client) => client.query("select 1"));
    expect([c.statements, c.transactions, c.roundTrips, c.queries]).toEqual([1, 1, 1, 1]);
    expect(c.statementLog.map((s) => s.sql)).toEqual(["select 1"]);
  });

  it("begin; select 1; commit as one simple query: three statements, one transaction, one round trip", async () => {
    const c = await counted((client) => client.query("begin; select 1; commit"));
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([3, 1, 1]);
  });

  it("begin, select, commit as three queries: three statements, one transaction, three round trips", async () => {
    const c = await counted(async (client) => {
      await client.query("begin");
      await client.query("select 1");
      await client.query("commit");
    });
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([3, 1, 3]);
  });

  it("a parameterised query (extended protocol): one statement, its SQL from the Parse", async () => {
    const c = await counted((client) => client.query("select $1::int + 1 as n", [41]));
    expect([c.statements, c.transactions, c.roundTrips, c.executes, c.queries]).toEqual([1, 1, 1, 1, 0]);
    expect(c.statementLog.map((s) => s.sql)).toEqual(["select $1::int + 1 as n"]);
  });

  it("a named prepared statement is counted on every execution", async () => {
    const c = await counted(async (client) => {
      for (let i = 0; i < 3; i++) await client.query({ name: "proxy_test", text: "select $1::int", values: [i] });
    });
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([3, 3, 3]);
    expect(new Set(c.statementLog.map((s) => s.sql))).toEqual(new Set(["select $1::int"]));
  });

  it("statements in one simple query outside a block share one implicit transaction; a block hidden from the SQL is still counted", async () => {
    const c = await counted(async (client) => {
      await client.query("select 1; select 2"); // 1 implicit
      await client.query("begin; select 1; commit; select 2"); // 1 block + 1 implicit
      await client.query("begin");
      await client.query("select 1/0").catch(() => {}); // a failed block: status E
      await client.query("rollback"); // 1 block
    });
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([9, 4, 5]);
  });

  it("a pipelining client: a block sent whole before any answer is one transaction and one round trip", async () => {
    proxy.reset();
    const client = new pg.Client({ connectionString: proxy.url(databaseUrl), pipeline: true });
    await client.connect();
    proxy.reset();
    // As withUser sends a claim: begin and claims, two statements, commit, none waiting for another.
    await Promise.all([
      client.query("begin; select set_config('application_name', 'x', true)"),
      client.query("select $1::int", [1]),
      client.query("select $1::int", [2]),
      client.query("commit"),
    ]);
    // Then two statements outside any block, also at once: two implicit transactions.
    await Promise.all([client.query("select $1::int", [3]), client.query("select 4")]);
    await client.end();
    const c = proxy.counters();
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([7, 3, 2]);
  });

  it("counts per connection and in total", async () => {
    proxy.reset();
    const a = new pg.Client({ connectionString: proxy.url(databaseUrl) });
    const b = new pg.Client({ connectionString: proxy.url(databaseUrl) });
    await a.connect();
    await b.connect();
    await a.query("select 1");
    await b.query("select 1; select 2");
    await a.end();
    await b.end();
    await new Promise((r) => setTimeout(r, 50));
    const c = proxy.counters();
    expect([c.connections, c.openConnections, c.encrypted]).toEqual([2, 0, 0]);
    expect(c.perConnection.map((x) => [x.statements, x.transactions, x.roundTrips])).toEqual([
      [1, 1, 1],
      [2, 1, 1],
    ]);
    expect([c.statements, c.transactions, c.roundTrips]).toEqual([3, 2, 2]);
    expect(c.setupRoundTrips).toBeGreaterThanOrEqual(2);
  });

  it("passes an SSL request and the server's answer through, and parses what follows an 'N'", async () => {
    proxy.reset();
    // pg with ssl: the server's answer reaches it through the proxy ('N' from the embedded server).
    const tls = new pg.Client({ connectionString: proxy.url(databaseUrl), ssl: { rejectUnauthorized: false } });
    const outcome = await tls.connect().then(
      async () => {
        await tls.query("select 1");
        await tls.end();
        return "S";
      },
      (error: Error) => error.message,
    );
    if (outcome === "S") expect(proxy.counters().encrypted).toBe(1); // a server with TLS: forwarded unparsed
    else expect(outcome).toMatch(/does not support SSL/);

    // By hand: SSLRequest, the one-byte answer, then (after 'N') a StartupMessage in the clear.
    proxy.reset();
    const socket = net.connect(proxy.port, "127.0.0.1");
    const received: Buffer[] = [];
    const next = (bytes: number) =>
      new Promise<Buffer>((resolve, reject) => {
        const check = () => {
          const all = Buffer.concat(received);
          if (all.length >= bytes) {
            socket.off("data", onData);
            received.length = 0;
            if (all.length > bytes) received.push(all.subarray(bytes));
            resolve(all.subarray(0, bytes));
          }
        };
        const onData = (chunk: Buffer) => {
          received.push(chunk);
          check();
        };
        socket.on("data", onData);
        socket.once("error", reject);
        check();
      });
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    socket.write(ssl);
    const answer = (await next(1)).toString();
    expect(["N", "S"]).toContain(answer);
    if (answer === "N") {
      const params = Buffer.from(`user\0${decodeURIComponent(new URL(databaseUrl).username)}\0database\0${new URL(databaseUrl).pathname.slice(1)}\0\0`);
      const startup = Buffer.alloc(8);
      startup.writeInt32BE(8 + params.length, 0);
      startup.writeInt32BE(196608, 4); // protocol 3.0
      socket.write(Buffer.concat([startup, params]));
      const reply = await next(5);
      expect(String.fromCharCode(reply[0]!)).toMatch(/[RE]/); // Authentication request (or an error)
      const c = proxy.counters();
      expect([c.encrypted, c.setupRoundTrips, c.statements, c.roundTrips]).toEqual([0, 2, 0, 0]);
    }
    socket.destroy();

    // A TLS ClientHello straight away (direct SSL): forwarded, marked encrypted, not parsed.
    proxy.reset();
    const direct = net.connect(proxy.port, "127.0.0.1");
    await new Promise<void>((resolve) => direct.once("connect", () => resolve()));
    direct.on("error", () => {});
    direct.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.counters().encrypted).toBe(1);
    direct.destroy();
  });

  it("passes large messages both ways under backpressure, in order", async () => {
    const big = "x".repeat(4 * 1024 * 1024);
    const c = await counted(async (client) => {
      const { rows } = await client.query<{ n: number; s: string }>("select length($1::text) as n, $1::text as s", [big]);
      expect(rows[0]!.n).toBe(big.length);
      expect(rows[0]!.s === big).toBe(true);
      for (let i = 0; i < 20; i++) expect((await client.query<{ i: number }>("select $1::int as i", [i])).rows[0]!.i).toBe(i);
    });
    expect(c.statements).toBe(21);
    expect(c.bytesFromClient).toBeGreaterThan(4 * 1024 * 1024);
  });

  it("a 5 ms delay each way makes select 1 take at least 10 ms", async () => {
    proxy.setDelay(5);
    try {
      const c = await counted(async (client) => {
        await client.query("select 1"); // warm
        const started = performance.now();
        await client.query("select 1");
        expect(performance.now() - started).toBeGreaterThanOrEqual(10);
      });
      expect(c.roundTrips).toBe(2);
    } finally {
      proxy.setDelay(0);
    }
  });
});
