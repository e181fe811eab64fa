import { useIsPending } from "~/components/use-is-pending";
import type { RouteHandle } from "~/root";
import { getFormProps, parse, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z } from "zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Field } from "~/components/ui/field";
import { verifyProblems, resolveWith } from "~/modules/auth/quick-checks";
import { VerifySchema } from "~/modules/auth/schema";
import { finishSignIn, pendingSignIn } from "~/modules/auth/sign-in.server";
import { readForm } from "~/utils/form.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const pending = await pendingSignIn(request);
  if (!pending) throw redirect("/login");
  return { email: pending.email };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const pending = await pendingSignIn(request);
  if (!pending) throw redirect("/login");
  const submission = parseWithZod(await readForm(request, 8 * 1024), { schema: VerifySchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const failure = await finishSignIn(request, pending, submission.value.code, context.clientKey, submission.value.redirectTo);
  return data(
    { result: submission.reply({ fieldErrors: { code: [failure] } }) },
    { status: failure === "errors.rateLimited" || failure === "errors.slowDown" ? 429 : 400 },
  );
}

export default function Verify() {
  const { t } = useTranslation();
  const { email } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const isPending = useIsPending({ state: "submitting" });
  const [form, fields] = useForm<z.input<typeof VerifySchema>>({
    lastResult: actionData?.result,
    // The usual mistakes are caught here; the server checks the rest (zod stays off this page: ADR 009).
    onValidate: ({ formData }) => parse(formData, { resolve: resolveWith<z.input<typeof VerifySchema>>(verifyProblems) }),
    shouldValidate: "onSubmit",
  });
  const redirectTo = searchParams.get("redirectTo") ?? "";
  return (
    <section className="card" aria-labelledby="verify-title">
      <h1 id="verify-title">{t("login.verifyTitle")}</h1>
      <p className="notice" role="status">
        {t("login.sent")}
      </p>
      <p>{t("login.codeFor", { email })}</p>
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field
          label={t("login.code")}
          name={fields.code.name}
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]*"
          maxLength={9}
          required
          inputClassName="code-input"
          defaultValue={fields.code.initialValue as string | undefined}
          errors={fields.code.errors}
        />
        <button type="submit" className="primary" disabled={isPending}>
          {t("login.verify")}
        </button>
      </Form>
      <p>
        <Link to={redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : "/login"}>{t("login.otherEmail")}</Link>
      </p>
    </section>
  );
}

export const handle: RouteHandle = { titleKey: "login.verifyTitle" };
