/**
 * The gzip JavaScript each page downloads in the production build, with its budget:
 * `npm run build && npx tsx bench/bundle-size.ts`. The same figures as `npm run budgets` (which
 * builds first and fails on a page over budget; scripts/check-budgets.ts), read from the build by
 * scripts/route-bundles.ts. Writes bench/results/bundle-size.json ({ name, value, unit, description }).
 * KB = 1000 bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { budgetFor } from "../scripts/check-budgets";
import { readRouteBundles } from "../scripts/route-bundles";

const kb = (bytes: number) => Math.round(bytes / 100) / 10;
const results = readRouteBundles().map((page) => {
  const budget = budgetFor(page);
  const text = page.files.map((f) => readFileSync(`build/client${f}`, "utf8")).join("\n");
  const libraries = [text.includes("leaflet-pane") && "Leaflet", text.includes("leaflet-pm-toolbar") && "Geoman"].filter(Boolean);
  console.log(
    `${page.url.padEnd(28)} ${kb(page.gzipBytes).toFixed(1).padStart(6)} KB gzip of ${kb(budget.bytes)} KB (${budget.kind}), ${page.files.length} files${libraries.length ? `, ${libraries.join(", ")}` : ""}`,
  );
  return {
    name: `bundle${page.url}`,
    value: kb(page.gzipBytes),
    unit: "KB gzip",
    description: `JavaScript ${page.url} downloads (entry, root, route, static imports${page.maps.length ? ", lazy map" : ""}; ${page.files.length} files); ${budget.kind} budget ${kb(budget.bytes)} KB`,
  };
});
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/bundle-size.json", `${JSON.stringify(results, null, 2)}\n`);
