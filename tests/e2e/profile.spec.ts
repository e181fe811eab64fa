import { expect, test } from "@playwright/test";
import { storageStateFor } from "./helpers";

test.use({ storageState: storageStateFor("observer2") });

test("an observer keeps their details up to date; bad input is refused field by field and kept", async ({ page }) => {
  await page.goto("/profile");
  await expect(page.getByRole("heading", { level: 1, name: "My profile" })).toBeVisible();
  const phone = page.getByRole("textbox", { name: "Phone" });
  await phone.fill("call me maybe");
  await page.getByRole("checkbox", { name: "Português" }).check();
  await page.getByRole("button", { name: "Save profile" }).click();
  // at the field, and in the summary at the top of the form, which takes focus and links to it
  await expect(page.locator("#field-phone-error")).toHaveText("Use only digits, spaces and + ( ) - .");
  await expect(page.locator(".error-summary")).toBeFocused();
  await expect(page.locator(".error-summary").getByRole("link", { name: "Use only digits, spaces and + ( ) - ." })).toHaveAttribute("href", "#field-phone");
  await expect(phone).toHaveValue("call me maybe");
  await expect(page.getByRole("checkbox", { name: "Português" })).toBeChecked();

  await phone.fill("+1 (312) 555-0142");
  await page.getByRole("combobox", { name: "Language of the app and emails" }).selectOption("es");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("status")).toHaveText("Perfil guardado.");
  await expect(page.getByRole("status")).toBeFocused();
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Teléfono" })).toHaveValue("+1 (312) 555-0142");
  await expect(page.getByRole("checkbox", { name: "Português" })).toBeChecked();

  await page.getByRole("combobox", { name: "Idioma de la aplicación y de los correos" }).selectOption("en");
  await page.getByRole("button", { name: "Guardar perfil" }).click();
  await expect(page.getByRole("status")).toHaveText("Profile saved.");
});
