import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import { statementFor } from "./statements.server";
import type { DB } from "./types";
import { POOL_DEFAULTS } from "./pool-sizes";

// timestamptz and date come back as strings we format ourselves; `date` must not shift by time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Database = Kysely<DB>;
export type Trx = Transaction<DB>;

/** What RLS sees as `request.jwt.claims`: the signed-in person, as Supabase would put it in a JWT. */
export interface Claims {
  sub: string;
  email?: string;
  role: "authenticated";
  [key: string]: unknown;
}

let db: Database | undefined;
let pool: pg.Pool | undefined;
let readPool: pg.Pool | undefined;
let systemDb: Database | undefined;
let systemPool: pg.Pool | undefined;

/** The owner's connection (DATABASE_URL): migrations, seeding, withSystem. */
function ownerUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the app through server.ts or scripts/db.ts");
  return url;
}

/**
 * The requests' login (DATABASE_APP_URL, docs/decisions/017-request-login.md): a role that owns
 * nothing and may only `set role authenticated` and find the signed-in person. server.ts sets it
 * (given, or derived from the owner's URL); without it, as in scripts, requests use the owner's.
 */
function requestUrl() {
  return process.env.DATABASE_APP_URL ?? ownerUrl();
}

function newPool(connectionString: string, max: number) {
  const created = new pg.Pool({
    connectionString,
    max,
    pipeline: true,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // A dropped connection (database restart) must not crash the process; the pool replaces it.
  // The pool's own listener covers idle clients only: a connection that dies while checked out
  // (inside a transaction, between two statements) emits "error" on the client, and an "error"
  // with no listener ends the process. The query in flight still fails, and the pool drops the
  // dead client when it is released.
  created.on("error", () => {});
  created.on("connect", (client) => {
    client.on("error", () => {});
    coalesceWrites(client);
  });
  return created;
}

/**
 * node-postgres hands each protocol message to the socket on its own (parse, bind, describe,
 * execute, sync: five a statement). The socket sends the first at once and gathers the rest, so a
 * pipelined transaction cost three system calls; corked until the end of the tick, its messages
 * leave in one writev (app/db/transactions.test.ts counts them). In a claim storm profiled with
 * --cpu-prof, socket writes were the largest single cost of the server's CPU (13 %).
 */
function coalesceWrites(client: pg.PoolClient) {
  const connection = (client as unknown as { connection?: { stream?: NodeJS.WritableStream & { cork?(): void; uncork?(): void }; _send?: (buffer: Buffer) => boolean } }).connection;
  const stream = connection?.stream;
  const send = connection?._send;
  if (!connection || !stream?.cork || !stream.uncork || typeof send !== "function") return;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork!();
  };
  connection._send = function coalesced(buffer: Buffer) {
    if (!corked) {
      corked = true;
      stream.cork!();
      process.nextTick(uncork);
    }
    return send.call(connection, buffer);
  };
}

/** The requests' writes, as the requests' login. */
export function getDb(): Database {
  if (!db) {
    pool = newPool(requestUrl(), Number(process.env.DATABASE_POOL_SIZE ?? POOL_DEFAULTS.DATABASE_POOL_SIZE));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return db;
}

/**
 * The owner's few connections (DATABASE_SYSTEM_POOL_SIZE): sign-in bookkeeping, jobs, the
 * organisation's public settings, calendar feeds. Kept small: pages read and write through the
 * requests' pools.
 */
function getSystemDb(): Database {
  if (!systemDb) {
    systemPool = newPool(ownerUrl(), Number(process.env.DATABASE_SYSTEM_POOL_SIZE ?? POOL_DEFAULTS.DATABASE_SYSTEM_POOL_SIZE));
    systemDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: systemPool }) });
  }
  return systemDb;
}

/**
 * Every pool is pipelined (node-postgres's pipeline mode): statements sent at once go out
 * together and cost one round trip, not one each. Nothing here uses cursors, which that mode refuses.
 */

/**
 * Connections for the requests' shared reads (SharedReads), apart from those for writes: a page
 * holds its reads open while it writes (the audit of a report view), so with one pool, enough
 * pages at once would each hold a connection and wait for a second that never frees.
 */
function getReadPool(): pg.Pool {
  readPool ??= newPool(requestUrl(), Number(process.env.DATABASE_READ_POOL_SIZE ?? POOL_DEFAULTS.DATABASE_READ_POOL_SIZE));
  return readPool;
}

export async function closeDb() {
  const current = db;
  const reads = readPool;
  const system = systemDb;
  db = undefined;
  pool = undefined;
  readPool = undefined;
  systemDb = undefined;
  systemPool = undefined;
  await Promise.all([current?.destroy(), reads?.end(), system?.destroy()]);
}

/** A string as a SQL literal, for the few statements sent by the simple protocol (several in one round trip). */
export function literal(value: string): string {
  return pg.Client.prototype.escapeLiteral(value);
}

/** The statement that makes the rest of a transaction run as the person, through RLS. */
export function actAs(claims: Claims): string {
  return `select set_config('request.jwt.claims', ${literal(JSON.stringify(claims))}, true), set_config('role', 'authenticated', true)`;
}

type PoolClient = pg.PoolClient;

/**
 * A prepared statement that no longer fits (0A000: "cached plan must not change result type",
 * after a column's type changed) or that the connection does not have (26000): the connection
 * would fail the same way again, so it is closed rather than handed on.
 */
const STALE_STATEMENT = new Set(["0A000", "26000"]);

/** One checked-out connection in a transaction, and a Kysely bound to it. */
interface Held {
  client: PoolClient;
  trx: Trx;
  /** Set when the transaction has ended: the connection may already serve someone else. */
  closed: boolean;
  /** A statement failed in a way that would repeat on this connection: close it when done. */
  stale?: boolean;
}

/**
 * A Kysely bound to one checked-out connection. Statements sent at once (a root and a route
 * loader reading in parallel) queue on the connection in order. Once the transaction is over,
 * every statement is refused: it would run outside it, as the login role rather than the person,
 * or on a connection the pool has given to someone else.
 */
function hold(client: PoolClient, commitAfter?: { statements: number; sent?: Promise<pg.QueryResult> }): Held {
  const held: Held = { client, trx: undefined as unknown as Trx, closed: false };
  let sent = 0;
  const connection = {
    query: async (text: string, values?: unknown[]) => {
      if (held.closed || commitAfter?.sent) throw new Error("The transaction is over: this statement would run outside it");
      const answer = client.query(statementFor(text, values) as never) as Promise<pg.QueryResult | pg.QueryResult[]>;
      // The last statement is on its way: `commit` follows it at once, in the same round trip.
      if (commitAfter && ++sent === commitAfter.statements) {
        commitAfter.sent = client.query("commit");
        commitAfter.sent.catch(() => {});
      }
      const result = await answer.catch((error: { code?: string }) => {
        if (STALE_STATEMENT.has(error?.code ?? "")) held.stale = true;
        throw error;
      });
      // Several statements sent as one simple query answer with one result each: the last is the one asked for.
      return Array.isArray(result) ? result[result.length - 1]! : result;
    },
    release: () => {},
  };
  const pool = { connect: async () => connection, end: async () => {} };
  held.trx = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as never }) }) as unknown as Trx;
  return held;
}

async function checkout(): Promise<PoolClient> {
  getDb();
  return pool!.connect();
}

const checkoutForReads = (): Promise<PoolClient> => getReadPool().connect();

/** Ends the transaction (`commit` or `rollback`) and gives the connection back, or drops it if that failed. */
async function finish(held: Held, command: "commit" | "rollback"): Promise<void> {
  if (held.closed) return;
  held.closed = true;
  let broken = held.stale === true;
  await held.client.query(command).catch(() => {
    broken = true;
  });
  held.client.release(broken);
}

/**
 * Who a write acts as when nobody has looked the person up yet (an action whose only use of the
 * person is to act as them: a claim). `statement` finds the person and sets the claims and the
 * role for any row it returns, as the request's shared reads do (app/modules/auth/guards.server.ts);
 * `withUser` sends it with `begin` and the action's first statements, so finding the person costs
 * no round trip of its own, and tells `found` what it found.
 */
export class PersonLookup<R = unknown> {
  constructor(
    readonly statement: string,
    readonly found: (row: R | undefined) => void,
  ) {}
}

/** Whom a transaction runs as: known claims, or the person its own first statement finds. */
export type Actor = Claims | PersonLookup<never>;

/** The write's PersonLookup found nobody: nothing in its transaction ran as anyone, and it was rolled back. */
export class NotSignedIn extends Error {
  constructor() {
    super("Nobody is signed in with this request");
  }
}

/**
 * Sent right after a PersonLookup's statement: fails (division by zero) unless that statement set
 * the role and the claims, so that when nobody was found the transaction is aborted before the
 * action's statements reach it, whatever role the connection itself has.
 */
const SIGNED_IN_OR_ABORT = `select 1 / (current_setting('role') = 'authenticated' and coalesce(current_setting('request.jwt.claims', true), '') <> '')::int as signed_in`;

/**
 * Runs `fn` in one transaction as role `authenticated` with the person's claims set,
 * so that every statement inside is checked by RLS. `begin` and the claims go in one round trip
 * with `fn`'s first statement.
 *
 * With `statements: n`, `fn` sends exactly n statements (at once or one after another) and
 * `commit` goes out right behind the n-th, without waiting for its answer: a transaction of one
 * statement (a claim) costs one round trip, and holds its locks only while the database works.
 * A statement that fails aborts the transaction, so that `commit` only rolls back; a statement
 * beyond the n-th is refused.
 */
export async function withUser<T>(actor: Actor, fn: (trx: Trx) => Promise<T>, options: { statements?: number } = {}): Promise<T> {
  const client = await checkout();
  const commitAfter: { statements: number; sent?: Promise<pg.QueryResult> } | undefined = options.statements
    ? { statements: options.statements }
    : undefined;
  const held = hold(client, commitAfter);
  const lookup = actor instanceof PersonLookup ? actor : null;
  // Not awaited: the connection is pipelined, so the first statement of `fn` goes out with it and
  // runs after it. Should it fail, the transaction is aborted and every later statement fails too
  // (none can run outside it, nor as the login role); the failure is then thrown here.
  const begun = begin(client, "begin", lookup ? `${lookup.statement}; ${SIGNED_IN_OR_ABORT}` : actAs(actor as Claims));
  // A lookup learns whom it found as soon as the first round trip is answered; nobody when the guard stopped it.
  const signedOut = lookup
    ? begun.then(
        (answer) => {
          lookup.found(answer[0]?.rows[0]);
          return false;
        },
        (error: { code?: string }) => {
          if (error?.code !== "22012") return false;
          lookup.found(undefined);
          return true;
        },
      )
    : Promise.resolve(false);
  let result: T;
  try {
    result = await fn(held.trx);
    await begun;
  } catch (error) {
    await cleanUpAfterFailure(client, held, commitAfter);
    throw (await signedOut) ? new NotSignedIn() : error;
  }
  // Closed before `commit` is sent: a statement `fn` left unawaited would otherwise go out behind
  // it, outside the transaction.
  held.closed = true;
  let committed: pg.QueryResult;
  try {
    committed = await (commitAfter?.sent ?? client.query("commit"));
  } catch (error) {
    client.release(true);
    throw error;
  }
  client.release();
  // PostgreSQL answers `commit` with ROLLBACK when a statement failed and `fn` swallowed the error.
  if (committed.command === "ROLLBACK") throw new Error("The transaction was rolled back: a statement in it failed");
  return result;
}

/**
 * Opens a transaction: `command` (`begin`, `begin read only`) in a message of its own, then `first`
 * (the claims, or the lookup that sets them), pipelined behind it in one round trip. Apart, because
 * PostgreSQL parses a whole simple-query message before it runs any of it: were `begin` in the
 * same message as a statement that fails to parse, it would never run, and the statements sent
 * behind would run outside any transaction, as the login role. Resolves with `first`'s results.
 */
function begin(client: PoolClient, command: "begin" | "begin read only", first: string): Promise<pg.QueryResult[]> {
  const opened = client.query(command);
  const answer = client.query(first) as unknown as Promise<pg.QueryResult | pg.QueryResult[]>;
  const both = Promise.all([opened, answer]).then(([, result]) => (Array.isArray(result) ? result : [result]));
  both.catch(() => {});
  return both;
}

/** After a failed statement: the commit already sent ends the transaction (a failed one rolls back), else a rollback does. */
async function cleanUpAfterFailure(client: PoolClient, held: Held, commitAfter: { sent?: Promise<pg.QueryResult> } | undefined) {
  if (commitAfter?.sent) {
    held.closed = true;
    await commitAfter.sent.then(
      () => client.release(held.stale === true),
      () => client.release(true),
    );
  } else {
    await finish(held, "rollback");
  }
}

/** No request's loaders take this long; reads still open then are ended (those inside finish first). */
const SHARED_READS_MAX_MS = 60_000;

interface SharedTransaction extends Held {
  /** Callers inside it right now: it ends only when they are done. */
  active: number;
  /** Aborted by a failed statement, or the request is over: ends when idle, takes no one new. */
  retiring: boolean;
}

/**
 * Reads of a person for many callers: the loaders of one request (root and route run at once)
 * share one read-only transaction, opened by the statement that resolved the person. A query
 * that fails aborts the transaction; callers that then find it aborted are given a fresh one, so
 * one loader's error does not fail another's reads.
 */
export class SharedReads {
  #claims: Claims;
  #current: SharedTransaction | null;
  #opening: Promise<SharedTransaction> | null = null;
  #ended = false;

  private constructor(claims: Claims, client: PoolClient | null) {
    this.#claims = claims;
    this.#current = client ? Object.assign(hold(client), { active: 0, retiring: false }) : null;
    // A safety net: a request's reads are ended by the server when the response goes out. Should
    // that ever be missed, they end by themselves rather than hold a connection for good.
    setTimeout(() => void this.end(), SHARED_READS_MAX_MS).unref();
  }

  /** Shared reads that begin with their first read (after an action's writes, say). */
  static later(claims: Claims): SharedReads {
    return new SharedReads(claims, null);
  }

  /**
   * Opens the request's reads with `begin read only` and `first`, a statement that must set the
   * claims (as `actAs` does) for any row it returns, in one round trip. Returns its first row,
   * and the shared reads when there was one (claims from `claimsOf(row)`); with no row the
   * transaction is rolled back (it never ran as anyone) and no reads are returned.
   */
  static async open<R>(first: string, claimsOf: (row: R) => Claims): Promise<{ row: R | undefined; reads: SharedReads | null }> {
    const client = await checkoutForReads();
    let row: R | undefined;
    try {
      const result = await begin(client, "begin read only", first);
      row = result[result.length - 1]!.rows[0] as R | undefined;
    } catch (error) {
      await finish({ client, trx: undefined as unknown as Trx, closed: false }, "rollback");
      throw error;
    }
    if (!row) {
      await finish({ client, trx: undefined as unknown as Trx, closed: false }, "rollback");
      return { row, reads: null };
    }
    return { row, reads: new SharedReads(claimsOf(row), client) };
  }

  get ended() {
    return this.#ended;
  }

  async run<T>(fn: (trx: Trx) => Promise<T>, retries = 2): Promise<T> {
    if (this.#ended) return withUser(this.#claims, fn);
    const tx = await this.#transaction();
    // Retired while this caller waited for it to open: ask again.
    if (tx.retiring) return this.run(fn, retries);
    tx.active += 1;
    try {
      return await fn(tx.trx);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) void this.#retire(tx);
      // Someone else's failed statement aborted the transaction this one queued on (26000: its
      // statement's first use was that failed parse, so the name it was sent by never existed).
      if ((code !== "25P02" && code !== "26000") || retries === 0) throw error;
    } finally {
      tx.active -= 1;
      void this.#closeIfIdle(tx);
    }
    return this.run(fn, retries - 1);
  }

  /** Ends the reads once those in flight are done (they only read: commit). Safe to call twice. */
  async end(): Promise<void> {
    this.#ended = true;
    const tx = this.#current ?? (this.#opening ? await this.#opening.catch(() => null) : null);
    if (tx) await this.#retire(tx);
  }

  #retire(tx: SharedTransaction): Promise<void> {
    tx.retiring = true;
    if (this.#current === tx) this.#current = null;
    return this.#closeIfIdle(tx);
  }

  /** Commits once nobody is inside; the last caller to leave does it. */
  #closeIfIdle(tx: SharedTransaction): Promise<void> {
    return tx.retiring && tx.active === 0 ? finish(tx, "commit") : Promise.resolve();
  }

  async #transaction(): Promise<SharedTransaction> {
    if (this.#current) return this.#current;
    this.#opening ??= (async () => {
      const client = await checkoutForReads();
      try {
        await begin(client, "begin read only", actAs(this.#claims));
      } catch (error) {
        client.release(true);
        throw error;
      }
      const tx: SharedTransaction = Object.assign(hold(client), { active: 0, retiring: false });
      this.#current = tx;
      return tx;
    })().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }
}

const READS = Symbol("shared reads");

/** Gives these claims the request's shared reads: `readAsUser` with them joins that transaction. */
export function withSharedReads(claims: Claims, reads: SharedReads): Claims {
  Object.defineProperty(claims, READS, { value: reads, enumerable: false });
  return claims;
}

/**
 * Reads as the person: inside a request, in the request's one read-only transaction (see
 * SharedReads); elsewhere (jobs, tests, a stream after its request) in a transaction of its own.
 * Only for functions that never write: the shared transaction is read-only, so a write fails.
 */
export function readAsUser<T>(claims: Claims, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const reads = (claims as { [READS]?: SharedReads })[READS];
  return reads && !reads.ended ? reads.run(fn) : withUser(claims, fn);
}

/**
 * One statement as the requests' login itself, outside any transaction: one round trip. It may
 * only find the signed-in person (private.session_person, private.active_person); everything else
 * is the person's, through withUser.
 */
export async function queryAsLogin<R>(text: string): Promise<R[]> {
  getDb();
  const result = await pool!.query(text);
  return result.rows as R[];
}

/**
 * Reads for pages anyone may see without signing in (/alerts): one read-only transaction as the
 * role `anon`, sent as one round trip, that may only run the functions granted to `anon`
 * (community.visible_alerts). `text` is one statement; it must carry no user input but
 * numbers and literals made by `literal()`.
 */
export async function readAsPublic<R>(text: string): Promise<R[]> {
  getDb();
  const client = await pool!.connect();
  try {
    const results = (await client.query(`begin read only; set local role anon; ${text}; commit`)) as unknown as pg.QueryResult[];
    client.release();
    return results[2]!.rows as R[];
  } catch (error) {
    // A failed statement leaves the transaction open and aborted: never hand that connection on.
    await client.query("rollback").then(
      () => client.release(),
      () => client.release(true),
    );
    throw error;
  }
}

/** One statement on the owner connection, outside any transaction: one round trip. */
export async function querySystem<R>(text: string): Promise<R[]> {
  getSystemDb();
  const result = await systemPool!.query(text);
  return result.rows as R[];
}

/** The owner connection, bypassing RLS: for migrations, seeding, sign-in bookkeeping and jobs only. */
export function withSystem<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
  return getSystemDb().transaction().execute(fn);
}

export { sql };
