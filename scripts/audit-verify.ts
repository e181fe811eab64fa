import { startDatabase } from "../app/db/runtime.server";
import { verifyAuditChain } from "../app/modules/review/audit.server";

// `npm run audit:verify [-- --head <hash>]`: recomputes the audit log's hash chain and names the
// first break. With --head (a head printed on a declaration or sent in the daily digest, spaces
// allowed), the chain must also pass through it: a log rewritten from the start fails here.
// DATABASE_URL when set, else the development database in .data (started if it is not running).

function knownHead(argv: string[]): string | undefined {
  const at = argv.indexOf("--head");
  if (at === -1) return undefined;
  const value = argv.slice(at + 1).join("").replace(/[\s·-]/g, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error("--head takes the 64 hexadecimal characters of a head hash");
  return value;
}

async function main() {
  const head = knownHead(process.argv.slice(2));
  const db = await startDatabase({ migrate: false, seed: false });
  try {
    const result = await verifyAuditChain(db.url, { knownHead: head });
    if (result.ok && head) console.log(`The chain passes through the known head ${head.slice(0, 16)}…`);
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
