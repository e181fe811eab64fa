import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { embeddedUrl, startEmbeddedPostgres } from "./embedded.server";
import { migrate } from "./migrate.server";
import { ensureRequestLogin, type LoginReview, REQUEST_LOGIN, reviewLogin } from "./request-login.server";
import { seedIfEmpty, seedDemoData } from "../../supabase/seed/index";

export interface RunningDatabase {
  /** The owner's URL: migrations, seeding and withSystem. */
  url: string;
  embedded: boolean;
  /** With `serve`: the role the requests' pools log in as. */
  requestRole?: string;
  stop: () => Promise<void>;
}

export function dataDir() {
  return path.resolve(process.cwd(), process.env.DATA_DIR ?? ".data");
}

interface StartOptions {
  migrate: boolean;
  /** "auto": only into an empty database and never in production; "force": always. */
  seed: false | "auto" | "force";
  /** Only report where the database is; do not start it. */
  reuseOnly?: boolean;
  /** For a server: choose the requests' login (DATABASE_APP_URL, else derived) and check what it may do. */
  serve?: boolean;
  log?: (line: string) => void;
}

/**
 * Resolves the database in use (DATABASE_URL, else the embedded PostgreSQL in .data/postgres),
 * applies migrations and seeds demo data as asked, and sets DATABASE_URL (the owner's) and, to
 * serve, DATABASE_APP_URL (the requests' login) for the app's pools.
 */
export async function startDatabase(options: StartOptions): Promise<RunningDatabase> {
  const log = options.log ?? (() => {});
  let running: RunningDatabase;
  if (process.env.DATABASE_URL) {
    running = { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  } else if (options.reuseOnly) {
    const credsFile = path.join(dataDir(), "postgres.json");
    if (!existsSync(credsFile)) throw new Error("No embedded database yet: run `npm run dev` first.");
    const url = embeddedUrl(JSON.parse(readFileSync(credsFile, "utf8")));
    return { url, embedded: true, stop: async () => {} };
  } else {
    const handle = await startEmbeddedPostgres(dataDir(), {
      log: process.env.DEBUG_POSTGRES ? log : undefined,
    });
    running = { url: handle.url, embedded: true, stop: handle.stop };
    process.env.DATABASE_URL = handle.url;
  }
  try {
    if (options.migrate) {
      const result = await migrate(running.url);
      if (result.applied.length) log(`Applied migrations: ${result.applied.join(", ")}`);
      for (const warning of result.warnings) console.warn(`Migration warning: ${warning}`);
    }
    if (options.seed === "force") {
      await seedDemoData(running.url);
      log("Seeded demo data.");
    } else if (options.seed === "auto" && process.env.NODE_ENV !== "production") {
      if (await seedIfEmpty(running.url)) log("Seeded demo data into the empty database.");
    }
    if (options.serve) running.requestRole = await chooseRequestLogin(running.url);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/**
 * The requests' pools log in as DATABASE_APP_URL's role when it is given, else as the login derived
 * from the owner's URL (docs/decisions/017-request-login.md); only when neither works, as the owner,
 * with a warning, and never as a superuser in production. Sets DATABASE_APP_URL for the pools.
 * Messages name roles, never a URL or a password.
 */
async function chooseRequestLogin(ownerUrl: string): Promise<string> {
  const given = process.env.DATABASE_APP_URL;
  let url: string;
  let review: LoginReview;
  let fallback = "";
  if (given) {
    url = given;
    review = await reviewLogin(url);
    const owner = await reviewLogin(ownerUrl);
    if (owner.database !== review.database) {
      throw new Error(`Database: DATABASE_APP_URL leads to the database "${review.database}", DATABASE_URL to "${owner.database}": both must name the same one.`);
    }
  } else {
    const derived = await ensureRequestLogin(ownerUrl);
    const derivedReview = "url" in derived ? await reviewLogin(derived.url) : null;
    if ("url" in derived && derivedReview?.canActAsPerson) {
      url = derived.url;
      review = derivedReview;
    } else {
      // A host where the owner may not grant `authenticated` to a new role still runs, warned.
      const reason = "reason" in derived ? derived.reason : `${REQUEST_LOGIN} is not a member of authenticated (its migration could not grant it)`;
      fallback = ` It does not use its own login ${REQUEST_LOGIN}: ${reason}.`;
      url = ownerUrl;
      review = await reviewLogin(url);
    }
  }
  if (!review.canActAsPerson) {
    throw new Error(`Database: requests would log in as "${review.role}", which cannot \`set role authenticated\`: grant authenticated to ${review.role}.`);
  }
  if (review.problems.length) {
    const message =
      `Database: requests log in as "${review.role}", which ${sentenceList(review.problems)}: a flaw in one request could read or change everything.` +
      `${fallback} Set DATABASE_APP_URL to a login like ${REQUEST_LOGIN} (docs/decisions/017-request-login.md).`;
    if (process.env.NODE_ENV === "production" && review.superuser) throw new Error(`${message} A superuser is refused in production.`);
    console.warn(message);
  }
  process.env.DATABASE_APP_URL = url;
  return review.role;
}

/** "a", "a and b", "a, b, and c". */
function sentenceList(items: string[]): string {
  return items.length < 3 ? items.join(" and ") : `${items.slice(0, -1).join(", ")}, and ${items.at(-1)}`;
}
