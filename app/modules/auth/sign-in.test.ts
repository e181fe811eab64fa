import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { readOutbox } from "~/integrations/mail.server";
import { setActive } from "~/modules/people/people.server";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { getUser } from "./guards.server";
import { sessionCookie } from "./cookies.server";
import { sha256 } from "./crypto.server";
import { MAX_CODE_ATTEMPTS } from "./local.server";
import { counterKey, LIMITS } from "./rate-limit.server";
import { finishSignIn, startSignIn } from "./sign-in.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let clientCounter = 0;
const newClient = () => `client-${++clientCounter}`;

beforeAll(async () => {
  cast = await createCast();
});

/** Runs a step that answers by throwing a redirect; returns that Response, or the failure key. */
/** Moves the last request let through under a per-email slowdown `seconds` into the past. */
async function passTime(email: string, bucket: string, seconds: number) {
  const key = await counterKey(bucket, email);
  await withSystem((trx) => sql`update private.rate_limits set last_at = last_at - make_interval(secs => ${seconds}) where key = ${key}`.execute(trx));
}

async function settle(step: Promise<unknown>) {
  try {
    return await step;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const codesFor = (email: string) =>
  readOutbox()
    .filter((m) => m.to === email)
    .map((m) => /\b(\d{6})\b/.exec(m.text)![1]!);

function cookieHeaderFrom(response: Response) {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function signIn(email: string) {
  await settle(startSignIn(email, newClient(), "en"));
  const code = codesFor(email)[0]!;
  const response = (await settle(finishSignIn(new Request("http://localhost/login/verify"), email, code, newClient()))) as Response;
  expect(response.status).toBe(302);
  return new Request("http://localhost/", { headers: { Cookie: cookieHeaderFrom(response) } });
}

describe("requesting a code", () => {
  it("emails a 6-digit code to an invited person and stores only its hash", async () => {
    const response = (await settle(startSignIn(cast.observer_ana.email, newClient(), "es"))) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login/verify");
    const [message] = readOutbox().filter((m) => m.to === cast.observer_ana.email);
    expect(message!.subject).toMatch(/^Tu código para entrar a Testigo: \d{6}$/);
    const code = codesFor(cast.observer_ana.email)[0]!;
    const stored = await withSystem((trx) =>
      trx.selectFrom("private.login_codes").select("code_hash").where("email", "=", cast.observer_ana.email).execute(),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.code_hash).not.toContain(code);
    expect(stored[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("answers an unknown email exactly as a known one, and sends nothing", async () => {
    const known = (await settle(startSignIn(cast.observer_oscar.email, newClient(), "en"))) as Response;
    const unknown = (await settle(startSignIn("stranger@test.example", newClient(), "en"))) as Response;
    expect(unknown.status).toBe(known.status);
    expect(unknown.headers.get("Location")).toBe(known.headers.get("Location"));
    const shape = (r: Response) => r.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, "=X"));
    expect(shape(unknown)).toEqual(shape(known));
    expect(codesFor("stranger@test.example")).toEqual([]);
  });

  it("slows codes per email down, whoever asks, with a wait that doubles", async () => {
    const email = cast.attorney_luis.email;
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await settle(startSignIn(email, newClient(), "en")));
    expect(results.slice(0, 5).every((r) => r instanceof Response)).toBe(true);
    expect(results[5]).toBe("errors.slowDown");
    // The same for an email nobody was invited with.
    const unknown = [];
    for (let i = 0; i < 6; i++) unknown.push(await settle(startSignIn("nobody@test.example", newClient(), "en")));
    expect(unknown[5]).toBe("errors.slowDown");
    // 30 s after the last code let through, one more; then 60 s.
    await passTime(email, "code-email", 31);
    expect(await settle(startSignIn(email, newClient(), "en"))).toBeInstanceOf(Response);
    await passTime(email, "code-email", 31);
    expect(await settle(startSignIn(email, newClient(), "en"))).toBe("errors.slowDown");
    await passTime(email, "code-email", 30);
    expect(await settle(startSignIn(email, newClient(), "en"))).toBeInstanceOf(Response);
  });

  it("a stranger's requests do not lock the person out (security review, finding 6)", async () => {
    const person = await createPersona(`lockout_${Date.now().toString(36)}`, ["observer"]);
    const stranger = newClient();
    const flood = [];
    for (let i = 0; i < 12; i++) flood.push(await settle(startSignIn(person.email, stranger, "en")));
    // The stranger's own client is stopped after 5; the rest are refused and not counted.
    expect(flood.slice(0, 5).every((r) => r instanceof Response)).toBe(true);
    expect(flood.slice(5).every((r) => r === "errors.rateLimited")).toBe(true);
    // The person, on their own phone, waits at most the first pause (30 s), not a 15-minute window.
    const own = newClient();
    expect(await settle(startSignIn(person.email, own, "en"))).toBe("errors.slowDown");
    await passTime(person.email, "code-email", 31);
    expect(await settle(startSignIn(person.email, own, "en"))).toBeInstanceOf(Response);
    // Spread over many clients, the flood cannot push the wait past 5 minutes.
    for (let i = 0; i < 20; i++) {
      await passTime(person.email, "code-email", 301);
      expect(await settle(startSignIn(person.email, newClient(), "en"))).toBeInstanceOf(Response);
    }
  });

  it("limits codes per client across emails", async () => {
    const client = newClient();
    const results = [];
    const max = LIMITS.codePerClient.max;
    expect(max).toBeGreaterThanOrEqual(50); // a training room behind one address signs in together
    for (let i = 0; i <= max; i++) results.push(await settle(startSignIn(`spray-${i}@test.example`, client, "en")));
    expect(results.slice(0, max).every((r) => r instanceof Response)).toBe(true);
    expect(results[max]).toBe("errors.rateLimited");
    const rows = await withSystem((trx) => trx.selectFrom("private.rate_limits").select("key").execute());
    expect(rows.some((r) => r.key.includes(client) || r.key.includes("spray"))).toBe(false);
  });
});

describe("verifying a code", () => {
  it("signs in with the right code, once", async () => {
    const persona = await createPersona("verify_once", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const code = codesFor(persona.email)[0]!;
    const request = new Request("http://localhost/login/verify");
    const ok = (await settle(finishSignIn(request, persona.email, code, newClient(), "/admin/people"))) as Response;
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe("/admin/people");
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("testigo_session="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(await settle(finishSignIn(request, persona.email, code, newClient()))).toBe("errors.codeInvalid");
  });

  it("never redirects off the site", async () => {
    const persona = await createPersona("verify_redirect", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const code = codesFor(persona.email)[0]!;
    const ok = (await settle(
      finishSignIn(new Request("http://localhost/login/verify"), persona.email, code, newClient(), "/\t/evil.example/x"),
    )) as Response;
    expect(ok.headers.get("Location")).toBe("/");
  });

  it("rejects an expired code", async () => {
    const persona = await createPersona("verify_expired", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const code = codesFor(persona.email)[0]!;
    await withSystem((trx) =>
      trx
        .updateTable("private.login_codes")
        .set({ expires_at: sql`now() - interval '1 second'` })
        .where("email", "=", persona.email)
        .execute(),
    );
    expect(await settle(finishSignIn(new Request("http://localhost/"), persona.email, code, newClient()))).toBe("errors.codeInvalid");
  });

  it("is valid for ten minutes", async () => {
    const persona = await createPersona("verify_ttl", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const row = await withSystem((trx) =>
      trx
        .selectFrom("private.login_codes")
        .select(sql<number>`extract(epoch from expires_at - created_at)::int`.as("ttl"))
        .where("email", "=", persona.email)
        .executeTakeFirstOrThrow(),
    );
    expect(row.ttl).toBe(600);
  });

  it(`locks the code after ${MAX_CODE_ATTEMPTS} wrong tries, even for the right code`, async () => {
    const persona = await createPersona("verify_attempts", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const code = codesFor(persona.email)[0]!;
    const wrong = code === "000000" ? "111111" : "000000";
    const results = [];
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
      results.push(await settle(finishSignIn(new Request("http://localhost/"), persona.email, wrong, newClient())));
    }
    expect(results.slice(0, MAX_CODE_ATTEMPTS - 1)).toEqual(Array(MAX_CODE_ATTEMPTS - 1).fill("errors.codeInvalid"));
    expect(results[MAX_CODE_ATTEMPTS - 1]).toBe("errors.codeAttempts");
    expect(await settle(finishSignIn(new Request("http://localhost/"), persona.email, code, newClient()))).toBe("errors.codeAttempts");
  });

  it("a new code replaces the previous one", async () => {
    const persona = await createPersona("verify_replace", ["observer"]);
    await settle(startSignIn(persona.email, newClient(), "en"));
    const first = codesFor(persona.email)[0]!;
    let second = first;
    // One draw in a million repeats the code; ask again until the two differ.
    while (second === first) {
      await settle(startSignIn(persona.email, newClient(), "en"));
      second = codesFor(persona.email)[0]!;
    }
    expect(await settle(finishSignIn(new Request("http://localhost/"), persona.email, first, newClient()))).toBe("errors.codeInvalid");
    expect(await settle(finishSignIn(new Request("http://localhost/"), persona.email, second, newClient()))).toBeInstanceOf(Response);
  });

  it("an unknown email runs out of attempts exactly like a member's", async () => {
    const member = await createPersona("verify_enum", ["observer"]);
    const answers = async (email: string) => {
      await settle(startSignIn(email, newClient(), "en"));
      const results = [];
      for (let i = 0; i < MAX_CODE_ATTEMPTS + 1; i++) {
        results.push(await settle(finishSignIn(new Request("http://localhost/"), email, "999999", newClient())));
      }
      return results;
    };
    const memberAnswers = await answers(member.email);
    // The member's real code could be 999999; skip that one-in-a-million run rather than mislead.
    if (memberAnswers.some((a) => a instanceof Response)) return;
    expect(await answers("not-a-member@test.example")).toEqual(memberAnswers);
    expect(memberAnswers.at(-1)).toBe("errors.codeAttempts");
  });

  it("caps guesses per email across clients and codes", async () => {
    const persona = await createPersona("verify_cap", ["observer"]);
    const results = [];
    for (let round = 0; round < 5; round++) {
      await settle(startSignIn(persona.email, newClient(), "en"));
      for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
        results.push(await settle(finishSignIn(new Request("http://localhost/"), persona.email, "999999", newClient())));
      }
    }
    // After 20 guesses an hour, each next one waits (a minute, doubling): guessing stays near 20 an hour.
    expect(results.slice(20).every((r) => r === "errors.slowDown")).toBe(true);
    expect(results.slice(0, 20)).not.toContain("errors.slowDown");
  });

  it("limits verification attempts per client", async () => {
    const client = newClient();
    const results = [];
    const max = LIMITS.verifyPerClient.max;
    for (let i = 0; i <= max; i++) {
      results.push(await settle(finishSignIn(new Request("http://localhost/"), `guess-${i}@test.example`, "123456", client)));
    }
    expect(results[max - 1]).toBe("errors.codeInvalid");
    expect(results[max]).toBe("errors.rateLimited");
  });
});

describe("sessions", () => {
  it("are stored hashed, and deactivation revokes them at once", async () => {
    const persona = await createPersona("session_person", ["observer"]);
    const request = await signIn(persona.email);
    expect((await getUser(request))?.id).toBe(persona.id);
    const token = (await sessionCookie().parse(request.headers.get("Cookie"))) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await withSystem((trx) =>
      trx.selectFrom("private.sessions").select("token_hash").where("user_id", "=", persona.id).execute(),
    );
    expect(stored).toEqual([{ token_hash: sha256(token) }]);

    await setActive(cast.admin_alma.claims, persona.id, false);
    expect(await getUser(request)).toBeNull();
    const live = await withSystem((trx) =>
      trx.selectFrom("private.sessions").select("token_hash").where("user_id", "=", persona.id).where("revoked_at", "is", null).execute(),
    );
    expect(live).toEqual([]);

    await setActive(cast.admin_alma.claims, persona.id, true);
    expect(await getUser(request)).toBeNull();
    const again = await signIn(persona.email);
    expect((await getUser(again))?.id).toBe(persona.id);
  });

  it("a deactivated person cannot even get a code", async () => {
    const persona = await createPersona("session_gone", ["observer"]);
    await setActive(cast.admin_alma.claims, persona.id, false);
    await settle(startSignIn(persona.email, newClient(), "en"));
    expect(codesFor(persona.email)).toEqual([]);
  });

  it("only an admin can deactivate", async () => {
    const persona = await createPersona("session_keep", ["observer"]);
    const request = await signIn(persona.email);
    await expect(setActive(cast.coordinator_carmen.claims, persona.id, false)).rejects.toMatchObject({ code: "42501" });
    expect((await getUser(request))?.id).toBe(persona.id);
  });
});
