import { startDatabase } from "../app/db/runtime.server";
import { closeDb } from "../app/db/client.server";
import { generateTypes } from "../app/db/codegen.server";

const command = process.argv[2];

async function main() {
  if (command === "url") {
    const db = await startDatabase({ migrate: false, seed: false, reuseOnly: true });
    process.stdout.write(`${db.url}\n`);
    await db.stop();
    return;
  }
  const db = await startDatabase({ migrate: true, seed: command === "seed" ? "force" : false, log: (l) => console.error(l) });
  try {
    if (command === "types") await generateTypes(db.url);
  } finally {
    await closeDb();
    await db.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
