import type { RouteHandle } from "~/root";
import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { ErrorSummary, Field, FieldErrors } from "~/components/ui/field";
import { InvitationPending, InviteFields } from "~/components/invitations";
import { DomainError, sqlState } from "~/db/errors.server";
import { hasRole, requireRole } from "~/modules/auth/guards.server";
import { invitePerson, listPeople, resendInvitation, setActive, setRoles, setTrainingDate } from "~/modules/people/people.server";
import { readSettings } from "~/modules/settings/settings.server";
import { listZones, setObserverZones } from "~/modules/zones/zones.server";
import { InviteSchema, PeopleActionSchema, ROLES } from "~/modules/people/schema";
import { readForm } from "~/utils/form.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "admin", "coordinator");
  const [people, zones, settings] = await Promise.all([listPeople(user.claims), listZones(user.claims), readSettings(user.claims)]);
  return {
    people,
    defaultLanguage: settings.defaultLanguage,
    zones: zones.filter((z) => !z.retired).map((z) => ({ id: z.id, name: z.name })),
    isAdmin: hasRole(user, "admin"),
    me: user.id,
  };
}

type Notice = { key: string; values?: Record<string, string> };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "admin", "coordinator");
  const submission = parseWithZod(await readForm(request, 64 * 1024), { schema: PeopleActionSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply(), notice: null as Notice | null, target: null as string | null }, { status: 400 });
  }
  const value = submission.value;
  const target = "userId" in value ? value.userId : "invitationId" in value ? value.invitationId : null;
  try {
    let notice: Notice;
    switch (value.intent) {
      case "invite":
        await invitePerson(user.claims, value);
        notice = { key: "people.invited", values: { email: value.email } };
        return data({ result: submission.reply({ resetForm: true }), notice, target });
      case "resend": {
        const email = await resendInvitation(user.claims, value.invitationId);
        notice = { key: "observers.sentAgain", values: { email } };
        break;
      }
      case "roles":
        await setRoles(user.claims, value.userId, value.roles);
        notice = { key: "people.rolesSaved" };
        break;
      case "deactivate":
      case "reactivate": {
        const name = await setActive(user.claims, value.userId, value.intent === "reactivate");
        notice = { key: value.intent === "deactivate" ? "people.deactivatedDone" : "people.reactivatedDone", values: { name } };
        break;
      }
      case "zones":
        await setObserverZones(user.claims, value.userId, value.zoneIds);
        notice = { key: "people.zonesSaved" };
        break;
      case "training":
        await setTrainingDate(user.claims, value.userId, value.trainingDate ?? null);
        notice = { key: "people.trainingSaved" };
        break;
    }
    return data({ result: submission.reply(), notice, target });
  } catch (error) {
    if (error instanceof DomainError) {
      return data(
        { result: submission.reply({ fieldErrors: { [error.field ?? ""]: [error.messageKey] } }), notice: null, target },
        { status: error.status },
      );
    }
    if (sqlState(error) === "42501") throw new Response("Forbidden", { status: 403 });
    throw error;
  }
}

export default function People() {
  const { t, i18n } = useTranslation();
  const { people, zones, isAdmin, me, defaultLanguage } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const isInvite = actionData?.target === null;
  const [form, fields] = useForm({
    id: "invite",
    lastResult: isInvite ? actionData?.result : undefined,
    constraint: getZodConstraint(InviteSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: InviteSchema }),
    shouldValidate: "onSubmit",
    defaultValue: { roles: ["observer"] },
  });
  const invitableRoles = isAdmin ? ROLES : (["observer"] as const);
  const chosenRoles = (fields.roles.initialValue as string[] | string | undefined) ?? ["observer"];
  const rowErrors = !isInvite && actionData?.result.error ? Object.values(actionData.result.error).flat().filter((e): e is string => typeof e === "string") : [];
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(actionData?.notice, actionData);
  const formatDate = (date: string) =>
    new Date(`${date}T12:00:00`).toLocaleDateString(i18n.language, { dateStyle: "medium" });

  return (
    <div className="stack">
      <h1>{t("people.title")}</h1>
      {actionData?.notice ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t(actionData.notice.key, actionData.notice.values)}
        </p>
      ) : null}

      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">{t("people.inviteTitle")}</h2>
        <Form method="post" {...getFormProps(form)}>
          <ErrorSummary errors={form.allErrors} formId={form.id} idOf={(name) => `invite-${name === "displayName" ? "name" : name === "roles" ? "roles-error" : name}`} />
          <input type="hidden" name="intent" value="invite" />
          <InviteFields email={fields.email} displayName={fields.displayName} language={fields.language} defaultLanguage={defaultLanguage} />
          <fieldset aria-describedby={fields.roles.errors ? "invite-roles-error" : undefined}>
            <legend>{t("people.roles")}</legend>
            <div className="checks">
              {invitableRoles.map((role) => (
                <label key={role}>
                  <input type="checkbox" name="roles" value={role} defaultChecked={[chosenRoles].flat().includes(role)} />
                  {t(`roles.${role}`)}
                </label>
              ))}
            </div>
            <FieldErrors id="invite-roles-error" errors={fields.roles.errors} />
          </fieldset>
          <button type="submit" className="primary">
            {t("people.invite")}
          </button>
        </Form>
      </section>

      <section aria-labelledby="people-title">
        <h2 id="people-title">{t("people.listTitle")}</h2>
        <ul className="people">
          {people.map((person) => {
            const name = person.displayName || person.email;
            const errors = actionData?.target === person.id ? rowErrors : [];
            return (
              <li key={person.id} aria-labelledby={`person-${person.id}`}>
                <div className="who">
                  <strong id={`person-${person.id}`}>{name}</strong>
                  <span className="email">{person.email}</span>
                </div>
                <p>
                  <span className={person.deactivated ? "badge off" : "badge"}>
                    {person.deactivated ? t("people.deactivated") : t("people.active")}
                  </span>{" "}
                  {person.roles.map((r) => t(`roles.${r}`)).join(", ")} · {t("people.training")}:{" "}
                  {person.trainingDate ? formatDate(person.trainingDate) : t("people.noTraining")}
                </p>
                {person.pendingInvitation ? (
                  <InvitationPending invitation={person.pendingInvitation} name={name} errors={actionData?.target === person.pendingInvitation.id ? rowErrors : []} />
                ) : null}
                {isAdmin ? <FieldErrors id={`person-${person.id}-error`} errors={errors} /> : null}
                <div className="inline-forms">
                  {isAdmin ? (
                    <Form method="post" aria-label={t("people.rolesFor", { name })}>
                      <input type="hidden" name="intent" value="roles" />
                      <input type="hidden" name="userId" value={person.id} />
                      <fieldset>
                        <legend className="sr-only">{t("people.rolesFor", { name })}</legend>
                        <div className="checks">
                          {ROLES.map((role) => (
                            <label key={role}>
                              <input type="checkbox" name="roles" value={role} defaultChecked={person.roles.includes(role)} />
                              {t(`roles.${role}`)}
                            </label>
                          ))}
                        </div>
                      </fieldset>
                      <button type="submit" className="secondary">
                        {t("people.saveRoles")}
                      </button>
                    </Form>
                  ) : null}
                  <Form method="post" aria-label={t("people.trainingFor", { name })}>
                    <input type="hidden" name="intent" value="training" />
                    <input type="hidden" name="userId" value={person.id} />
                    <Field
                      id={`training-${person.id}`}
                      label={t("people.trainingDate")}
                      name="trainingDate"
                      type="date"
                      defaultValue={person.trainingDate ?? ""}
                      errors={errors.length ? errors : undefined}
                    />
                    <button type="submit" className="secondary">
                      {t("people.saveTraining")}
                    </button>
                  </Form>
                  {person.roles.includes("observer") && zones.length ? (
                    <Form method="post" aria-label={t("people.zonesFor", { name })}>
                      <input type="hidden" name="intent" value="zones" />
                      <input type="hidden" name="userId" value={person.id} />
                      <fieldset>
                        <legend>{t("people.homeZones")}</legend>
                        <div className="checks">
                          {zones.map((zone) => (
                            <label key={zone.id}>
                              <input type="checkbox" name="zoneIds" value={zone.id} defaultChecked={person.zoneIds.includes(zone.id)} />
                              {zone.name}
                            </label>
                          ))}
                        </div>
                      </fieldset>
                      <button type="submit" className="secondary">
                        {t("people.saveZones")}
                      </button>
                    </Form>
                  ) : null}
                  {isAdmin && person.id !== me ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value={person.deactivated ? "reactivate" : "deactivate"} />
                      <input type="hidden" name="userId" value={person.id} />
                      <button type="submit" className={person.deactivated ? "secondary" : "danger"}>
                        {person.deactivated ? t("people.reactivate") : t("people.deactivate")}
                        <span className="sr-only"> {name}</span>
                      </button>
                    </Form>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}

export const handle: RouteHandle = { titleKey: "people.title" };
