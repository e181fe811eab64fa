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
  const dir = outboxDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const message: OutboxMessage = { id: randomUUID(), sentAt: new Date().toISOString(), ...mail };
  // The timestamp prefix keeps the files in sending order.
  const name = `${message.sentAt.replace(/[:.]/g, "-")}-${message.id}.json`;
  writeFileSync(path.join(dir, name), JSON.stringify(message, null, 2), { mode: 0o600 });
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
