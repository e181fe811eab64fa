import { describe, expect, it } from "vitest";
import { readForm, urlEncodedForm } from "./form.server";

// readForm parses urlencoded bodies itself (no second Request): it must read every body exactly
// as the Fetch standard's Request.formData() does, which it used before.
const bodies = [
  "intent=claim",
  "intent=claim&shiftId=4f1c0c8e-1b1a-4a55-9d37-0b0a3c1c2d3e",
  "crossStreets=26th+%26+Pulaski&notes=Calle+%C3%91and%C3%BA+%E2%80%94+esquina",
  "a=1&a=2&a=&b",
  "=x&&y=&z==%3D",
  "bad=%ZZ%E2%82&half=%C3",
  "\uFEFFbom=first",
  "emoji=%F0%9F%93%B7&raw=caf\u00e9",
  "",
];

async function viaFetch(body: string) {
  const form = await new Request("http://localhost/", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body }).formData();
  return [...form.entries()];
}

describe("readForm's urlencoded bodies", () => {
  it.each(bodies)("reads %j as Request.formData() does", async (body) => {
    const bytes = new TextEncoder().encode(body);
    expect([...urlEncodedForm(bytes).entries()]).toEqual(await viaFetch(body));
    const request = new Request("http://localhost/", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" }, body });
    expect([...(await readForm(request, 16 * 1024)).entries()]).toEqual(await viaFetch(body));
  });

  it("still reads multipart bodies, and still refuses NUL, oversized and missing bodies", async () => {
    const multipart = new FormData();
    multipart.append("intent", "claim");
    multipart.append("file", new File(["x"], "x.txt", { type: "text/plain" }));
    const form = await readForm(new Request("http://localhost/", { method: "POST", body: multipart }), 16 * 1024);
    expect(form.get("intent")).toBe("claim");
    expect(form.get("file")).toBeInstanceOf(File);

    const post = (body: string | null, type = "application/x-www-form-urlencoded") =>
      new Request("http://localhost/", { method: "POST", headers: { "Content-Type": type }, body });
    await expect(readForm(post("a=%00"), 1024)).rejects.toMatchObject({ status: 400 });
    await expect(readForm(post(`a=${"x".repeat(2000)}`), 1024)).rejects.toMatchObject({ status: 413 });
    await expect(readForm(post(null, "text/plain"), 1024)).rejects.toMatchObject({ status: 400 });
    expect([...(await readForm(post(null), 1024)).entries()]).toEqual([]);
  });
});
