import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { env } from "~/utils/env.server";

/**
 * Where media ciphertext lives. Content-addressed: the key is the SHA-256 of the stored bytes, so
 * a retried upload stores nothing twice and a file cannot be swapped silently. Only ciphertext
 * is ever handed to a FileStore.
 */
export interface FileStore {
  put(bytes: Uint8Array): Promise<string>;
  get(key: string): Promise<Uint8Array | null>;
  /** Removes the file; nothing happens when it is not there (a retried purge). */
  delete(key: string): Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;
export const contentKeyOf = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A folder under DATA_DIR: files/ab/cd/<sha256>, written atomically, mode 0600. */
export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string) {
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(bytes: Uint8Array) {
    const key = contentKeyOf(bytes);
    const target = this.pathOf(key);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, bytes, { mode: 0o600 });
      await rename(temp, target);
    }
    return key;
  }

  async get(key: string) {
    if (!KEY.test(key)) return null;
    return readFile(this.pathOf(key)).then(
      (b) => new Uint8Array(b),
      () => null,
    );
  }

  async delete(key: string) {
    if (!KEY.test(key)) return;
    await rm(this.pathOf(key), { force: true });
  }
}

/** Supabase Storage: a private bucket, used from the server only with the service-role key. */
export class SupabaseFileStore implements FileStore {
  private readonly client;
  constructor(
    url: string,
    serviceRoleKey: string,
    private readonly bucket: string,
  ) {
    // Node 20 has no WebSocket: supabase-js insists on a realtime transport even when unused.
    this.client = createClient(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: WebSocket as unknown as never },
    });
  }

  async put(bytes: Uint8Array) {
    const key = contentKeyOf(bytes);
    const { error } = await this.client.storage.from(this.bucket).upload(key, bytes, { contentType: "application/octet-stream", upsert: false });
    // Already there: content-addressed, so it is the same bytes.
    if (error && !/exists|duplicate/i.test(error.message)) throw new Error(`File store upload failed: ${error.name}`);
    return key;
  }

  async get(key: string) {
    if (!KEY.test(key)) return null;
    const { data, error } = await this.client.storage.from(this.bucket).download(key);
    if (error || !data) return null;
    return new Uint8Array(await data.arrayBuffer());
  }

  async delete(key: string) {
    if (!KEY.test(key)) return;
    // Removing an object that is not there is no error: the list of removed objects is just empty.
    const { error } = await this.client.storage.from(this.bucket).remove([key]);
    if (error) throw new Error(`File store delete failed: ${error.name}`);
  }
}

let store: FileStore | undefined;

/** Supabase Storage when SUPABASE_URL is set, otherwise DATA_DIR/files. */
export function fileStore(): FileStore {
  if (!store) {
    const { SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, DATA_DIR } = env();
    store =
      SUPABASE_URL && SUPABASE_SERVICE_ROLE_KEY
        ? new SupabaseFileStore(SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, process.env.SUPABASE_MEDIA_BUCKET ?? "report-media")
        : new LocalFileStore(path.resolve(DATA_DIR, "files"));
  }
  return store;
}
