import type { Transaction } from "kysely";
import type { DB } from "../../app/db/types";

/**
 * One step of demo data. Later features append theirs to `DEMO_SEEDS` (index.ts); steps run in
 * order and must be idempotent, since `npm run db:seed` may run on a database that already has
 * demo data.
 */
export interface SeedStep {
  name: string;
  run: (trx: Transaction<DB>) => Promise<void>;
}
