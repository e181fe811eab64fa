import { test as setup } from "@playwright/test";
import { DEMO, signInThroughUi, storageStateFor, type DemoRole } from "./helpers";

// Signs each demo account in once through the real UI; other specs reuse the sessions.
for (const role of Object.keys(DEMO) as DemoRole[]) {
  setup(`sign in as ${role}`, async ({ page }) => {
    await signInThroughUi(page, DEMO[role]);
    await page.context().storageState({ path: storageStateFor(role) });
  });
}
