import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "~/utils/env.server";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface OutboxMessage extends Mail {
  id: string;
  sentAt: string;
}

export function outboxDir() {
  return path.resolve(env().DATA_DIR, "outbox");
}

let transport: Transporter | undefined;

/** The one way to send an email: SMTP when SMTP_URL is set, otherwise the development outbox. */
export async function sendMail(mail: Mail) {
  const { SMTP_URL, MAIL_FROM } = env();
  if (SMTP_URL) {
    transport ??= nodemailer.createTransport(SMTP_URL);
    await transport.sendMail({ from: MAIL_FROM, ...mail });
    return;
  }
  writeToOutbox(mail);
}

let outboxSequence = 0;

function writeToOutbox(mail: Mail) {
  const dir = outboxDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const message: OutboxMessage = { id: randomUUID(), sentAt: new Date().toISOString(), ...mail };
  // Timestamp and sequence keep the files in sending order, even within one millisecond.
  outboxSequence += 1;
  const name = `${message.sentAt.replace(/[:.]/g, "-")}-${String(outboxSequence).padStart(8, "0")}-${message.id}.json`;
  writeFileSync(path.join(dir, name), JSON.stringify(message, null, 2), { mode: 0o600 });
}

/**
 * Sends without making the caller wait for SMTP. The development outbox is written at once (tests
 * and developers read it right after); an SMTP failure is logged without the address or content.
 */
export function deliverMail(mail: Mail) {
  if (!env().SMTP_URL) {
    writeToOutbox(mail);
    return;
  }
  sendMail(mail).catch((error: unknown) => {
    console.error(`Email delivery failed: ${error instanceof Error ? error.name : "unknown error"}`);
  });
}

export function readOutbox(): OutboxMessage[] {
  let names: string[];
  try {
    names = readdirSync(outboxDir()).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  return names
    .sort()
    .reverse()
    .map((name) => JSON.parse(readFileSync(path.join(outboxDir(), name), "utf8")) as OutboxMessage);
}
