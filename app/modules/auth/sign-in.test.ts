import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { readOutbox } from "~/integrations/mail.server";
import { setActive } from "~/modules/people/people.server";
import { startAppClock } from "../../../tests/setup/clock";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { getUser } from "./guards.server";
import { sessionCookie } from "./cookies.server";
import { sha256 } from "./crypto.server";
import { MAX_CODE_ATTEMPTS } from "./local.server";
import { SIGN_IN_LIMITS } from "./rate-limit.server";
import { finishSignIn, pendingSignIn, startSignIn } from "./sign-in.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let clientCounter = 0;
const newClient = () => `client-${++clientCounter}`;

beforeAll(async () => {
  cast = await createCast();
});

/** Runs a step that answers by throwing a redirect; returns that Response, or the failure key. */
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

/** A browser on `client` asks a code for `email`: the answer, the sign-in the browser then remembers, and the code emailed for it. */
async function ask(email: string, client = newClient(), redirectTo?: string) {
  const before = codesFor(email).length;
  const answer = await settle(startSignIn(email, client, "en", redirectTo));
  const codes = codesFor(email);
  const cookie = answer instanceof Response ? cookieHeaderFrom(answer) : "";
  const pending = await pendingSignIn(new Request("http://localhost/login/verify", { headers: { Cookie: cookie } }));
  return { answer, pending, code: codes.length > before ? codes[0]! : null };
}

/** The browser that asked, now on `client`, types `code`. */
function enter(asked: Awaited<ReturnType<typeof ask>>, code: string, client = newClient(), redirectTo?: string) {
  if (!asked.pending) throw new Error("This browser has no code to type: its request was refused.");
  return settle(finishSignIn(new Request("http://localhost/login/verify"), asked.pending, code, client, redirectTo));
}

const wrongFor = (code: string) => (code === "000000" ? "111111" : "000000");

async function signIn(email: string) {
  const asked = await ask(email);
  const response = (await enter(asked, asked.code!)) as Response;
  expect(response.status).toBe(302);
  return new Request("http://localhost/", { headers: { Cookie: cookieHeaderFrom(response) } });
}

describe("requesting a code", () => {
  it("emails a 6-digit code to an invited person and stores only its hash", async () => {
    // The code email is in the profile's language (app/modules/people/invitations.test.ts).
    await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: "es" }).where("id", "=", cast.observer_ana.id).execute());
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

  it("slows one client asking codes for one email down, with a wait that doubles", async () => {
    const at = startAppClock();
    for (const email of [cast.attorney_luis.email, "nobody@test.example"]) {
      const client = newClient();
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push((await ask(email, client)).answer);
      expect(answers.slice(0, 5).every((r) => r instanceof Response)).toBe(true);
      expect(answers[5]).toBe("errors.slowDown");
      // A minute after the last code let through, one more; then two minutes.
      at(59);
      expect((await ask(email, client)).answer).toBe("errors.slowDown");
      at(60);
      expect((await ask(email, client)).answer).toBeInstanceOf(Response);
      at(179);
      expect((await ask(email, client)).answer).toBe("errors.slowDown");
      at(180);
      expect((await ask(email, client)).answer).toBeInstanceOf(Response);
      // Another client asking for the same email is not slowed at all.
      expect((await ask(email)).answer).toBeInstanceOf(Response);
      at(0);
    }
  });

  it("caps codes per email across clients, a cap no one client reaches", async () => {
    const at = startAppClock();
    const person = await createPersona("code_cap", ["observer"]);
    const { max } = SIGN_IN_LIMITS.codes.perEmail;
    const clients = Array.from({ length: Math.ceil(max / SIGN_IN_LIMITS.codes.perEmailClient.free) + 1 }, newClient);
    const answers = [];
    for (const client of clients) {
      for (let i = 0; i < SIGN_IN_LIMITS.codes.perEmailClient.free; i++) answers.push((await ask(person.email, client)).answer);
    }
    expect(answers.slice(0, max).every((a) => a instanceof Response)).toBe(true);
    expect(answers.slice(max)).toEqual(Array(answers.length - max).fill("errors.rateLimited"));
    // One client at full speed for an hour gets far fewer codes than the cap.
    const alone = await createPersona("code_cap_alone", ["observer"]);
    const client = newClient();
    let letThrough = 0;
    for (let second = 0; second < 60 * 60; second += 10) {
      at(second);
      if ((await ask(alone.email, client)).answer instanceof Response) letThrough += 1;
    }
    expect(letThrough).toBe(13);
    expect(letThrough).toBeLessThan(max / 4);
  });

  it("limits codes per client across emails", async () => {
    startAppClock(); // the whole run in one window of the limits
    const client = newClient();
    const results = [];
    const { max } = SIGN_IN_LIMITS.codes.perClient;
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
    const asked = await ask(persona.email);
    const ok = (await enter(asked, asked.code!, newClient(), "/admin/people")) as Response;
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe("/admin/people");
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("testigo_session="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(await enter(asked, asked.code!)).toBe("errors.codeInvalid");
  });

  it("never redirects off the site", async () => {
    const persona = await createPersona("verify_redirect", ["observer"]);
    const asked = await ask(persona.email);
    const ok = (await enter(asked, asked.code!, newClient(), "/\t/evil.example/x")) as Response;
    expect(ok.headers.get("Location")).toBe("/");
  });

  it("rejects an expired code", async () => {
    const persona = await createPersona("verify_expired", ["observer"]);
    const asked = await ask(persona.email);
    await withSystem((trx) =>
      trx
        .updateTable("private.login_codes")
        .set({ expires_at: sql`now() - interval '1 second'` })
        .where("email", "=", persona.email)
        .execute(),
    );
    expect(await enter(asked, asked.code!)).toBe("errors.codeInvalid");
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
    const asked = await ask(persona.email);
    const results = [];
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) results.push(await enter(asked, wrongFor(asked.code!)));
    expect(results.slice(0, MAX_CODE_ATTEMPTS - 1)).toEqual(Array(MAX_CODE_ATTEMPTS - 1).fill("errors.codeInvalid"));
    expect(results[MAX_CODE_ATTEMPTS - 1]).toBe("errors.codeAttempts");
    expect(await enter(asked, asked.code!)).toBe("errors.codeAttempts");
  });

  it("a browser's new code replaces its previous one there, and no other browser's", async () => {
    const persona = await createPersona("verify_replace", ["observer"]);
    const phone = newClient();
    const first = await ask(persona.email, phone);
    let second = await ask(persona.email, phone);
    // One draw in a million repeats the code; ask again until the two differ.
    while (second.code === first.code) second = await ask(persona.email, phone);
    expect(second.pending!.codeId).not.toBe(first.pending!.codeId);
    expect(await enter(second, first.code!)).toBe("errors.codeInvalid");
    const laptop = await ask(persona.email);
    expect(await enter(second, second.code!)).toBeInstanceOf(Response);
    expect(await enter(laptop, laptop.code!)).toBeInstanceOf(Response);
  });

  it("an unknown email runs out of attempts exactly like a member's", async () => {
    const member = await createPersona("verify_enum", ["observer"]);
    const answers = async (email: string) => {
      const asked = await ask(email);
      const results = [];
      for (let i = 0; i < MAX_CODE_ATTEMPTS + 1; i++) results.push(await enter(asked, "999999"));
      return results;
    };
    const memberAnswers = await answers(member.email);
    // The member's real code could be 999999; skip that one-in-a-million run rather than mislead.
    if (memberAnswers.some((a) => a instanceof Response)) return;
    expect(await answers("not-a-member@test.example")).toEqual(memberAnswers);
    expect(memberAnswers.at(-1)).toBe("errors.codeAttempts");
  });

  it("caps guesses per email across clients and codes, a cap no one client reaches", async () => {
    const at = startAppClock();
    const persona = await createPersona("verify_cap", ["observer"]);
    const { max } = SIGN_IN_LIMITS.guesses.perEmail;
    const results = [];
    while (results.length < max + MAX_CODE_ATTEMPTS) {
      const client = newClient();
      const asked = await ask(persona.email, client);
      for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) results.push(await enter(asked, wrongFor(asked.code!), client));
    }
    expect(results.slice(0, max)).not.toContain("errors.rateLimited");
    expect(results.slice(max)).toEqual(Array(results.length - max).fill("errors.rateLimited"));
    // One client at full speed for an hour, asking a new code whenever one is used up, gets far fewer guesses.
    const alone = await createPersona("verify_cap_alone", ["observer"]);
    const client = newClient();
    let asked = await ask(alone.email, client);
    let guesses = 0;
    for (let second = 0; second < 60 * 60; second += 10) {
      at(second);
      const answer = await enter(asked, wrongFor(asked.code!), client);
      if (answer === "errors.codeInvalid" || answer === "errors.codeAttempts") guesses += 1;
      if (answer === "errors.codeAttempts") asked = await ask(alone.email, client);
    }
    expect(guesses).toBe(13);
    expect(guesses).toBeLessThan(max / 3);
  });

  it("limits verification attempts per client", async () => {
    startAppClock(); // the whole run in one window of the limits
    const client = newClient();
    const results = [];
    const { max } = SIGN_IN_LIMITS.guesses.perClient;
    for (let i = 0; i <= max; i++) {
      const pending = { email: `guess-${i}@test.example`, codeId: null };
      results.push(await settle(finishSignIn(new Request("http://localhost/"), pending, "123456", client)));
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
    expect((await ask(persona.email)).code).toBeNull();
  });

  it("only an admin can deactivate", async () => {
    const persona = await createPersona("session_keep", ["observer"]);
    const request = await signIn(persona.email);
    await expect(setActive(cast.coordinator_carmen.claims, persona.id, false)).rejects.toMatchObject({ code: "42501" });
    expect((await getUser(request))?.id).toBe(persona.id);
  });
});

describe("a stranger cannot lock a member out of sign-in (security review, finding 6)", () => {
  it("a stranger asking codes for the member's email at full speed for 15 minutes leaves the member free to ask and sign in", async () => {
    const member = await createPersona("flooded_member", ["observer"]);
    const stranger = newClient();
    const at = startAppClock();
    const strangerAnswers = [];
    let mine: Awaited<ReturnType<typeof ask>> | null = null;
    for (let second = 0; second <= 15 * 60; second += 10) {
      at(second);
      strangerAnswers.push((await ask(member.email, stranger)).answer);
      // Half way through, the member asks on their own phone, and types the code two minutes later.
      if (second === 7 * 60) {
        mine = await ask(member.email, newClient());
        expect(mine.answer).toBeInstanceOf(Response);
      }
      if (second === 9 * 60) expect(await enter(mine!, mine!.code!)).toBeInstanceOf(Response);
    }
    // The stranger was slowed down, not the member; and asking again at the end still works.
    expect(strangerAnswers).toContain("errors.slowDown");
    expect((await ask(member.email, newClient())).answer).toBeInstanceOf(Response);
  });

  it("the member's code stays valid after a stranger asks for new codes", async () => {
    const member = await createPersona("outstanding_code", ["observer"]);
    const mine = await ask(member.email, newClient());
    const stranger = newClient();
    for (let i = 0; i < 3; i++) expect((await ask(member.email, stranger)).answer).toBeInstanceOf(Response);
    expect(await enter(mine, mine.code!)).toBeInstanceOf(Response);
  });

  it("a stranger's wrong guesses do not use up the member's code", async () => {
    const member = await createPersona("guessed_at", ["observer"]);
    const stranger = newClient();
    const theirs = await ask(member.email, stranger);
    const mine = await ask(member.email, newClient());
    const strangerAnswers = [];
    for (let i = 0; i < 2 * MAX_CODE_ATTEMPTS; i++) strangerAnswers.push(await enter(theirs, wrongFor(mine.code!), stranger));
    expect(strangerAnswers.some((a) => a instanceof Response)).toBe(false);
    expect(await enter(mine, mine.code!)).toBeInstanceOf(Response);
  });

  it("a member who asks again every minute after 'slow down' is never refused outright", async () => {
    const member = await createPersona("impatient_member", ["observer"]);
    const phone = newClient();
    const at = startAppClock();
    const answers = [];
    for (let minute = 0; minute < 60; minute++) {
      at(minute * 60);
      answers.push((await ask(member.email, phone)).answer);
    }
    expect(answers).not.toContain("errors.rateLimited");
    expect(answers).toContain("errors.slowDown");
    // Each wait ended: after the first "slow down", codes still came.
    expect(answers.slice(answers.indexOf("errors.slowDown")).some((a) => a instanceof Response)).toBe(true);
  });

  it("a member who mistypes and tries again every 30 seconds after 'slow down' is never refused outright", async () => {
    const member = await createPersona("clumsy_member", ["observer"]);
    const phone = newClient();
    const at = startAppClock();
    let pending = await ask(member.email, phone);
    const answers = [];
    for (let second = 0; second < 30 * 60; second += 30) {
      at(second);
      const answer = await enter(pending, wrongFor(pending.code!), phone);
      answers.push(answer);
      if (answer === "errors.codeAttempts") {
        const again = await ask(member.email, phone);
        if (again.answer instanceof Response) pending = again;
      }
    }
    expect(answers).not.toContain("errors.rateLimited");
    expect(answers).toContain("errors.slowDown");
  });
});
