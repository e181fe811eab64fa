import { startDatabase } from "../app/db/runtime.server";
import { verifyAuditChain } from "../app/modules/review/audit.server";

// `npm run audit:verify`: recomputes the audit log's hash chain and names the first break.
// DATABASE_URL when set, else the development database in .data (started if it is not running).

async function main() {
  const db = await startDatabase({ migrate: false, seed: false });
  try {
    const result = await verifyAuditChain(db.url);
    if (result.ok) {
      console.log(`Audit chain OK: ${result.rows} events, head ${result.head.slice(0, 12)}`);
      return 0;
    }
    console.log(`Audit chain BROKEN at seq ${result.brokenAt}: ${result.reason} (${result.rows} events verified before it)`);
    return 1;
  } finally {
    await db.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
