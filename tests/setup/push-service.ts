import { execFileSync } from "node:child_process";
import { createECDH, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
// RFC 8188 / 8291 decryption, the receiving side of what web-push encrypts.
import ece from "http_ece";

/**
 * A push service for tests: an HTTPS server on 127.0.0.1 with a throwaway self-signed certificate,
 * trusted only through `agent` (give it to trustPushAgent). Each device the test makes has its own
 * endpoint and keys; what web-push POSTs there is decrypted with the device's private key.
 */
export interface TestDevice {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** Decrypted payloads received for this device, in order. */
  received: Array<{ payload: unknown; headers: Record<string, string | string[] | undefined>; at: number }>;
}

export interface TestPushService {
  agent: Agent;
  origin: string;
  device(): TestDevice;
  /** From now on the push service answers 410 Gone for this device. */
  gone(device: TestDevice): void;
  /** From now on the push service answers 500 for this device (an outage, not a gone device). */
  failing(device: TestDevice): void;
  /** Resolves when `count` messages in all have been received. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  total(): number;
  close(): Promise<void>;
}

function throwawayCertificate() {
  const dir = mkdtempSync(path.join(tmpdir(), "testigo-push-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
      { stdio: "ignore" },
    );
    return { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTestPushService(): Promise<TestPushService> {
  const { key, cert } = throwawayCertificate();
  const devices = new Map<string, TestDevice & { ecdh: ReturnType<typeof createECDH>; authBytes: Buffer; isGone: boolean; isFailing?: boolean }>();
  let total = 0;
  let waiters: Array<{ count: number; resolve: () => void }> = [];

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const id = (req.url ?? "").split("/").pop() ?? "";
      const device = devices.get(id);
      if (!device || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      if (device.isGone) {
        res.writeHead(410).end();
        return;
      }
      if (device.isFailing) {
        res.writeHead(500).end();
        return;
      }
      const plain = ece.decrypt(Buffer.concat(chunks), { version: "aes128gcm", privateKey: device.ecdh, authSecret: device.authBytes.toString("base64url") });
      device.received.push({ payload: JSON.parse(plain.toString("utf8")), headers: req.headers, at: performance.now() });
      total += 1;
      res.writeHead(201).end();
      waiters = waiters.filter((w) => (total >= w.count ? (w.resolve(), false) : true));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: cert, keepAlive: true, maxSockets: 64 });

  return {
    agent,
    origin,
    device() {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const authBytes = randomBytes(16);
      const id = randomUUID();
      const device = {
        endpoint: `${origin}/push/${id}`,
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: authBytes.toString("base64url"),
        received: [],
        ecdh,
        authBytes,
        isGone: false,
      };
      devices.set(id, device);
      return device;
    },
    gone(device) {
      const found = devices.get(device.endpoint.split("/").pop() ?? "");
      if (found) found.isGone = true;
    },
    failing(device) {
      const found = devices.get(device.endpoint.split("/").pop() ?? "");
      if (found) found.isFailing = true;
    },
    waitFor(count, timeoutMs = 20_000) {
      if (total >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`push service: ${total} of ${count} received`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    total: () => total,
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
