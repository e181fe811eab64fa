import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().positive().default(3000),
  HOST: z.string().default("localhost"),
  DATABASE_URL: z.string().url().optional(),
  /** The requests' login; derived from DATABASE_URL when unset (docs/decisions/017-request-login.md). */
  DATABASE_APP_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(".data"),
  SESSION_SECRET: z.string().min(32).optional(),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default("Testigo <no-reply@localhost>"),
  SUPABASE_URL: z.string().url().optional(),
  SUPABASE_ANON_KEY: z.string().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  /** How many proxies in front of the app append to X-Forwarded-For; 0 trusts none. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Where people reach the app; links in emails start with it. Unset: this server's own HOST and PORT. */
  APP_URL: z
    .string()
    .url()
    .refine((value) => /^https?:\/\//.test(value), "must be an http(s) URL")
    .optional(),
  /** How often the background job runner looks for due emails; 0 disables it. */
  JOBS_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** Web Push (VAPID, RFC 8292): the application server's P-256 key pair, base64url. */
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, "must be a base64url P-256 public key (87 characters)")
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url P-256 private key (43 characters)")
    .optional(),
  /** Who push services may contact about our pushes: a mailto: or https: URL. */
  VAPID_SUBJECT: z
    .string()
    .refine((value) => /^(mailto:\S+@\S+|https:\/\/\S+)$/.test(value), "must be a mailto: or https: URL")
    .optional(),
});

export type Env = z.infer<typeof schema> & { SESSION_SECRET: string; APP_URL: string };

/** Where a browser on this machine reaches the running app: a wildcard address is not one to open. */
export function ownUrl(host: string, port: number) {
  const name = ["0.0.0.0", "::", "[::]", ""].includes(host) ? "localhost" : host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

let cached: Env | undefined;

/** A development secret generated once and kept in the data folder, so sessions survive restarts. */
function developmentSecret(dataDir: string) {
  const file = path.resolve(dataDir, "session-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, "utf8").trim();
}

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  const values = parsed.data;
  if (values.NODE_ENV === "production" && !values.SESSION_SECRET) {
    throw new Error("Invalid environment: SESSION_SECRET (32+ characters) is required in production");
  }
  if (values.NODE_ENV === "production" && !values.SUPABASE_URL && !values.SMTP_URL) {
    throw new Error("Invalid environment: production needs SMTP_URL to email sign-in codes (or SUPABASE_URL for Supabase Auth)");
  }
  if (values.SUPABASE_URL && (!values.SUPABASE_ANON_KEY || !values.SUPABASE_SERVICE_ROLE_KEY)) {
    throw new Error("Invalid environment: SUPABASE_URL needs SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY");
  }
  const vapid = [values.VAPID_PUBLIC_KEY, values.VAPID_PRIVATE_KEY, values.VAPID_SUBJECT].filter(Boolean).length;
  if (vapid > 0 && vapid < 3 && (values.NODE_ENV === "production" || !values.VAPID_PUBLIC_KEY !== !values.VAPID_PRIVATE_KEY)) {
    throw new Error("Invalid environment: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together (or none, for no push alerts)");
  }
  cached = {
    ...values,
    SESSION_SECRET: values.SESSION_SECRET ?? developmentSecret(values.DATA_DIR),
    APP_URL: values.APP_URL ?? ownUrl(values.HOST, values.PORT),
  };
  return cached;
}

export const isProduction = () => env().NODE_ENV === "production";

/** The only values the browser ever receives from the environment. */
export function getEnv() {
  return { MODE: env().NODE_ENV };
}

/**
 * The origin links to this app should use: APP_URL when it is set (behind a proxy the request's own
 * Host and scheme may be wrong or forged), otherwise the origin the request came to.
 */
export function appOrigin(request: Request) {
  return process.env.APP_URL ? new URL(env().APP_URL).origin : new URL(request.url).origin;
}
