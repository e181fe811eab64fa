/** Made by app/i18n/vite-plugin.ts: where each language's translations (JSON) are served. */
declare module "virtual:translations" {
  export const translationUrls: Record<import("./languages").Language, string>;
}
