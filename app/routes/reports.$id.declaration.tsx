import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z } from "zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirectDocument } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Field, SelectField, limitsOf } from "~/components/ui/field";
import { requireUser } from "~/modules/auth/guards.server";
import { DeclarantSchema } from "~/modules/review/exports/declarant-schema";
import { declarantCookieFor } from "~/modules/review/exports/declarant-cookie.server";
import { ownDeclarationStart, saveDeclarantName } from "~/modules/review/exports/declaration.server";
import type { RouteHandle } from "~/root";
import { constraintOf, readForm } from "~/utils/form.server";
import { UUID } from "~/utils/misc";

// The author's declaration of their own report, to sign (issue 19, item 4): a name prefilled
// from the profile, where they will sign, the language; the PDF itself is
// reports.$id.declaration[.pdf].ts.

export const handle: RouteHandle = { titleKey: "declaration.title" };

const notFound = () => new Response("Not found", { status: 404 });

async function start(request: Request, params: LoaderFunctionArgs["params"], context: LoaderFunctionArgs["context"]) {
  const user = await requireUser(request, context);
  if (!UUID.test(params.id ?? "")) throw notFound();
  const own = await ownDeclarationStart(user.claims, params.id!.toLowerCase());
  if (!own) throw notFound();
  return { user, own };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { own } = await start(request, params, context);
  return { ...own, constraint: constraintOf(DeclarantSchema) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { user, own } = await start(request, params, context);
  const submission = parseWithZod(await readForm(request, 8 * 1024), { schema: DeclarantSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { name, place, language, saveName } = submission.value;
  if (saveName && name !== own.displayName) await saveDeclarantName(user.claims, name);
  // A full document load, also with JavaScript: the answer is a file to download, not a page.
  return redirectDocument(`/reports/${own.reportId}/declaration.pdf`, {
    status: 303,
    headers: { "Set-Cookie": await declarantCookieFor(own.reportId, { name, place, language }) },
  });
}

export default function OwnDeclaration() {
  const { t } = useTranslation();
  const { reportId, displayName, language, constraint } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm<z.input<typeof DeclarantSchema>>({
    lastResult: actionData?.result,
    constraint,
    // Checked by the server only, like the profile: zod stays off the observer's pages.
    shouldValidate: "onSubmit",
  });
  const typed = (name: keyof typeof fields, fallback: string) => (actionData ? ((fields[name].initialValue as string | undefined) ?? fallback) : fallback);

  return (
    <section className="card stack" aria-labelledby="declaration-title">
      <p>
        <Link to={`/reports/${reportId}`}>← {t("declaration.back")}</Link>
      </p>
      <h1 id="declaration-title">{t("declaration.title")}</h1>
      <p>{t("declaration.intro")}</p>
      <Form method="post" reloadDocument className="stack" {...getFormProps(form)}>
        <Field
          label={t("declaration.nameLabel")}
          name="name"
          autoComplete="name"
          {...limitsOf(fields.name)}
          help={t("declaration.nameHelp")}
          defaultValue={typed("name", displayName)}
          errors={fields.name.errors}
        />
        <div className="checks">
          <label>
            <input type="checkbox" name="saveName" defaultChecked={actionData ? fields.saveName.initialValue === "on" : false} />
            {t("declaration.saveName")}
          </label>
        </div>
        <Field
          label={t("declaration.placeLabel")}
          name="place"
          autoComplete="off"
          {...limitsOf(fields.place)}
          help={t("declaration.placeHelp")}
          defaultValue={typed("place", "")}
          errors={fields.place.errors}
        />
        <SelectField
          label={t("declaration.languageLabel")}
          name="language"
          defaultValue={typed("language", language === "es" ? "es" : "en")}
          options={(["en", "es"] as const).map((value) => ({ value, label: t(`declaration.language.${value}`) }))}
          errors={fields.language.errors}
        />
        <p className="help">{t("declaration.downloadHint")}</p>
        <p>
          <button type="submit" className="primary">
            {t("declaration.generate")}
          </button>
        </p>
      </Form>
    </section>
  );
}
