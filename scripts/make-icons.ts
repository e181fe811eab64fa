/**
 * Draws Testigo's app icons (public/icons/) from one SVG design: `npx tsx scripts/make-icons.ts`.
 * Run it again only when the design changes; the PNGs are committed. They are rendered by the same
 * Chromium the browser tests use, screenshotted at their exact sizes.
 *
 * The mark is an eye (a witness) around the favicon's lens, white on the brand colour. It stays
 * inside the central circle of 40% radius, so a "maskable" icon keeps all of it whatever shape the
 * phone cuts (https://www.w3.org/TR/appmanifest/#icon-masks).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { CHROMIUM_FLAGS, findChromium } from "../tests/e2e/chromium";

const BRAND = "#0b4f6c";
const OUT = path.resolve("public/icons");

const mark = [
  `<path d="M84 256C148 160 364 160 428 256C364 352 148 352 84 256Z" fill="#fff"/>`,
  `<circle cx="256" cy="256" r="66" fill="${BRAND}"/>`,
  `<circle cx="256" cy="256" r="26" fill="#fff"/>`,
].join("");

/** "any": a rounded tile, transparent corners. "maskable": the colour to every edge (the phone cuts it). */
const svg = (shape: "rounded" | "square") =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">` +
  (shape === "rounded" ? `<rect width="512" height="512" rx="112" fill="${BRAND}"/>` : `<rect width="512" height="512" fill="${BRAND}"/>`) +
  mark +
  `</svg>`;

const pngs: { file: string; size: number; shape: "rounded" | "square" }[] = [
  { file: "icon-192.png", size: 192, shape: "rounded" },
  { file: "icon-512.png", size: 512, shape: "rounded" },
  { file: "maskable-192.png", size: 192, shape: "square" },
  { file: "maskable-512.png", size: 512, shape: "square" },
  // iOS rounds the corners itself and shows transparency as black.
  { file: "apple-touch-icon.png", size: 180, shape: "square" },
];

mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, "icon.svg"), `${svg("rounded")}\n`);

const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: CHROMIUM_FLAGS });
try {
  for (const { file, size, shape } of pngs) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg(shape)).toString("base64")}`;
    await page.setContent(
      `<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style><img src="${src}" width="${size}" height="${size}" alt="">`,
    );
    await page.locator("img").evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: path.join(OUT, file), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`public/icons/${file} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
