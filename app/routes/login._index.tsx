import { useIsPending } from "~/components/use-is-pending";
import type { RouteHandle } from "~/root";
import { getFormProps, parse, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z } from "zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Field } from "~/components/ui/field";
import { i18nServer } from "~/i18n/i18next.server";
import { isLanguage } from "~/i18n/config";
import { getUser } from "~/modules/auth/guards.server";
import { loginProblems, resolveWith } from "~/modules/auth/quick-checks";
import { LoginSchema } from "~/modules/auth/schema";
import { startSignIn } from "~/modules/auth/sign-in.server";
import { readForm } from "~/utils/form.server";



export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getUser(request, context)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await readForm(request, 8 * 1024), { schema: LoginSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const locale = await i18nServer.getLocale(request);
  const failure = await startSignIn(
    submission.value.email,
    context.clientKey,
    isLanguage(locale) ? locale : "en",
    submission.value.redirectTo,
  );
  return data({ result: submission.reply({ fieldErrors: { email: [failure] } }) }, { status: 429 });
}

export default function Login() {
  const { t } = useTranslation();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const isPending = useIsPending({ state: "submitting" });
  const [form, fields] = useForm<z.input<typeof LoginSchema>>({
    lastResult: actionData?.result,
    // The usual mistakes are caught here; the server checks the rest (zod stays off this page: ADR 009).
    onValidate: ({ formData }) => parse(formData, { resolve: resolveWith<z.input<typeof LoginSchema>>(loginProblems) }),
    shouldValidate: "onSubmit",
  });
  return (
    <section className="card" aria-labelledby="login-title">
      <h1 id="login-title">{t("login.title")}</h1>
      <p>{t("login.intro")}</p>
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
        <Field
          label={t("login.email")}
          name={fields.email.name}
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          defaultValue={fields.email.initialValue as string | undefined}
          errors={fields.email.errors}
        />
        <button type="submit" className="primary" disabled={isPending}>
          {t("login.sendCode")}
        </button>
      </Form>
    </section>
  );
}

export const handle: RouteHandle = { titleKey: "login.title" };
