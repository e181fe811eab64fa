import { expect, test } from "@playwright/test";
import { DEV_PORT } from "../../playwright.config";

// The quick-start promise: a fresh `npm run dev` serves a working, hydrated app on the first load.
test("npm run dev on a fresh clone hydrates the first page without errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`http://localhost:${DEV_PORT}/login`);
  const email = page.getByRole("textbox", { name: "Email" });
  await expect(email).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  // Client-side validation only runs once React has hydrated.
  await email.fill("not-an-email");
  const posts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posts.push(request.url());
  });
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  // Validated in the browser: nothing was sent.
  expect(posts).toEqual([]);
  expect(problems).toEqual([]);
});
