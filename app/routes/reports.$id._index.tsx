import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRouteLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { TextAreaField } from "~/components/ui/field";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { DomainError } from "~/db/errors.server";
import { requireUser } from "~/modules/auth/guards.server";
import { MediaUpload } from "~/components/media-upload";
import { ReportFacts } from "~/components/report-facts";
import { useOrgClock } from "~/components/use-org-clock";
import { mediaLimitBytes, mediaOf, newUploadKey } from "~/modules/reports/media.server";
import { questionsForAuthor } from "~/modules/review/messages.server";
import { SealedAddendumNote } from "~/components/sealed-addendum-note";
import { SealedDetailsForm, type FieldLimits, type SealedDetailsResult } from "~/components/sealed-details-form";
import { SealedAddendumSchema } from "~/modules/reports/addenda";
import { addAddendum, addSealedAddendum, getReport, newClientUuid, sealingRecipients } from "~/modules/reports/reports.server";
import { linkReportToTip, myTips } from "~/modules/hotline/hotline.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { UUID, invariantResponse } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "reports.viewTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  try {
    const report = await getReport(user.claims, params.id!);
    const [media, recipients, limitBytes, questions, tips] = await Promise.all([
      mediaOf(user.claims, report.id),
      report.mine ? sealingRecipients(user.claims) : Promise.resolve([]),
      mediaLimitBytes(user.claims),
      report.mine ? questionsForAuthor(user.claims, report.id) : Promise.resolve([]),
      report.mine && !report.underReview ? myTips(user.claims) : Promise.resolve([]),
    ]);
    return {
      report,
      questions,
      media,
      recipients: recipients.map((r) => ({ keyId: r.keyId, publicKey: r.publicKey, kind: r.kind, fingerprint: r.fingerprint, activeFrom: r.activeFrom })),
      limitBytes,
      tips,
      // Names each file posted without JavaScript once (attachPlainMedia); kept nowhere on the server.
      uploadKey: report.mine ? newUploadKey() : null,
      // "Add sealed details": the addendum's id, issued with the form; its box is bound to it (ADR 023).
      addendumId: report.mine ? newClientUuid() : null,
      sealedLimits: SEALED_LIMITS,
    };
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

const SEALED_LIMITS = getZodConstraint(SealedAddendumSchema) as FieldLimits;

type ActionData = { error: string | null; body: string; added: boolean; sealed?: SealedDetailsResult; linked?: boolean | null };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const form = await readForm(request, 512 * 1024);
  if (form.get("intent") === "sealed") return sealedDetails(user.claims, params.id!, form);
  if (form.get("intent") === "link") {
    const tip = String(form.get("tip") ?? "");
    if (tip && !UUID.test(tip)) return data<ActionData>({ error: "hotline.errors.notYourTip", body: "", added: false, linked: null }, { status: 400 });
    try {
      await linkReportToTip(user.claims, params.id!.toLowerCase(), tip ? tip.toLowerCase() : null);
      return data<ActionData>({ error: null, body: "", added: false, linked: Boolean(tip) });
    } catch (error) {
      if (error instanceof DomainError) return data<ActionData>({ error: error.messageKey, body: "", added: false, linked: null }, { status: error.status });
      throw error;
    }
  }
  const body = String(form.get("body") ?? "").trim();
  if (!body) return data<ActionData>({ error: "reports.errors.addendumEmpty", body, added: false }, { status: 400 });
  if (body.length > 10000) return data<ActionData>({ error: "errors.tooLong", body, added: false }, { status: 400 });
  try {
    await addAddendum(user.claims, params.id!, body, null);
    return data<ActionData>({ error: null, body: "", added: true });
  } catch (error) {
    if (error instanceof DomainError) return data<ActionData>({ error: error.messageKey, body, added: false }, { status: error.status });
    throw error;
  }
}

/**
 * Sealed details added later: with JavaScript they arrive sealed; without, they are sealed here on
 * receipt. A refusal answers 4xx with field errors; without JavaScript the typed values go back
 * into the same person's form (nothing typed is lost) and are never stored or logged.
 */
async function sealedDetails(claims: Parameters<typeof addSealedAddendum>[0], reportId: string, form: FormData) {
  const submission = parseWithZod(form, { schema: SealedAddendumSchema });
  const none = { error: null, body: "", added: false };
  // Only what the person typed about people goes back, and only to them (without JavaScript).
  const refused = (reply: ReturnType<typeof submission.reply>): SealedDetailsResult => {
    const typed = (reply.initialValue ?? {}) as Record<string, unknown>;
    return { errors: reply.error ?? null, values: { detained: typed.detained, witnesses: typed.witnesses }, added: false };
  };
  if (submission.status !== "success") return data<ActionData>({ ...none, sealed: refused(submission.reply()) }, { status: 400 });
  try {
    await addSealedAddendum(claims, reportId, submission.value);
    return data<ActionData>({ ...none, sealed: { errors: null, values: null, added: true } });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const reply = submission.reply({ fieldErrors: { [error.field ?? "sealed"]: [error.messageKey] } });
    return data<ActionData>({ ...none, sealed: refused(reply) }, { status: error.status });
  }
}

export default function ReportView() {
  const { t } = useTranslation();
  const { report, questions, media, recipients, limitBytes, uploadKey, addendumId, sealedLimits, tips } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const sent = params.get("sent") === "1";
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(sent || actionData?.added || actionData?.sealed?.added, actionData ?? sent);
  const when = (iso: string) => `${clock.formatDay(iso)} · ${clock.formatTime(iso)}`;

  return (
    <div className="stack">
      <p>
        <Link to={report.mine ? "/reports" : "/"}>← {t("reports.back")}</Link>
      </p>
      <h1>{t("reports.viewTitle")}</h1>
      {sent ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t("reports.sent")}
        </p>
      ) : null}
      {actionData?.added ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t("reports.addendumAdded")}
        </p>
      ) : null}
      {actionData?.sealed?.added ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t("addenda.added")}
        </p>
      ) : null}
      <div className="card">
        <ReportFacts report={report} timeZone={clock.timeZone} />
        {report.sealed ? (
          <p className="sealed-note">
            <span aria-hidden="true">🔒 </span>
            {t("reports.sealedSummary", { detained: t("counts.detainedPeople", { count: report.sealedDetained }), witnesses: t("counts.witnesses", { count: report.sealedWitnesses }) })}
          </p>
        ) : null}
      </div>
      {report.location ? (
        <ZoneMap
          zones={[]}
          tileUrl={root?.settings.mapTileUrl ?? ""}
          attribution={root?.settings.mapAttribution ?? ""}
          height={220}
          pin={{ lat: report.location.coordinates[1], lng: report.location.coordinates[0] }}
        />
      ) : null}
      {report.mine && !report.underReview ? (
        <p>
          <Link to={`/reports/${report.id}/edit`}>{t("reports.edit")}</Link>
        </p>
      ) : null}
      {report.underReview ? <p className="help">{t("reports.underReviewNote")}</p> : null}
      {report.mine ? (
        <p>
          <Link to={`/reports/${report.id}/declaration`}>{t("declaration.link")}</Link>
        </p>
      ) : null}
      {tips.length ? (
        <section aria-labelledby="tip-title" className="card stack">
          <h2 id="tip-title">{t("hotline.linkTitle")}</h2>
          <p className="help">{t("hotline.linkHelp")}</p>
          {actionData?.linked !== undefined && actionData.linked !== null ? (
            <p className="notice" role="status">
              {t(actionData.linked ? "hotline.linked" : "hotline.unlinked")}
            </p>
          ) : null}
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="link" />
            <div className="field">
              <label htmlFor="link-tip">{t("hotline.linkTitle")}</label>
              <select id="link-tip" name="tip" defaultValue={report.verifiesReport ?? ""}>
                <option value="">{t("hotline.linkNone")}</option>
                {tips.map((tip) => (
                  <option key={tip.reportId} value={tip.reportId}>
                    {t("hotline.linkTip", { place: tip.crossStreets || tip.zoneName || t("reports.noZone"), time: when(tip.dispatchedAt) })}
                  </option>
                ))}
              </select>
            </div>
            <p>
              <button type="submit" className="secondary">
                {t("hotline.linkSave")}
              </button>
            </p>
          </Form>
        </section>
      ) : null}

      {questions.length ? (
        <section aria-labelledby="questions-title" className="card stack questions">
          <h2 id="questions-title">{t("reports.questionsTitle")}</h2>
          <ol className="addenda">
            {questions.map((q) => (
              <li key={q.id}>
                <span className="help">
                  {when(q.createdAt)}
                  {q.isNew ? ` · ${t("reports.questionNew")}` : ""}
                </span>
                <p className="pre-wrap">{q.body}</p>
              </li>
            ))}
          </ol>
          <p className="help">
            <a href="#addendum-body">{t("reports.questionsAnswer")}</a>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="media-title" className="card stack">
        <h2 id="media-title">{t("reports.mediaTitle")}</h2>
        {media.length === 0 ? <p className="help">{t("reports.noMedia")}</p> : null}
        <ul className="media-list">
          {media.map((m) => (
            <li key={m.id}>
              <span aria-hidden="true">🔒 </span>
              {t("reports.sealedMedia", { type: t(`reports.mediaKind.${m.contentType.split("/")[0]}`), size: (m.size / 1024 / 1024).toFixed(1) })} · {when(m.createdAt)}
            </li>
          ))}
        </ul>
        {report.mine && uploadKey ? (
          <MediaUpload reportId={report.id} recipients={recipients} limitBytes={limitBytes} uploadKey={uploadKey} />
        ) : null}
      </section>

      {report.mine && addendumId ? (
        <SealedDetailsForm reportId={report.id} addendumId={addendumId} recipients={recipients} limits={sealedLimits} result={actionData?.sealed} />
      ) : null}

      <section aria-labelledby="addenda-title" className="card stack">
        <h2 id="addenda-title">{t("reports.addendaTitle")}</h2>
        {report.addenda.length === 0 ? <p className="help">{t("reports.noAddenda")}</p> : null}
        <ol className="addenda">
          {report.addenda.map((a) => (
            <li key={a.id}>
              <span className="help">{when(a.createdAt)}</span>
              {a.body ? <p className="pre-wrap">{a.body}</p> : null}
              {a.sealed ? <SealedAddendumNote detained={a.sealedDetained} witnesses={a.sealedWitnesses} /> : null}
            </li>
          ))}
        </ol>
        <Form method="post" className="stack">
          <TextAreaField
            id="addendum-body"
            label={t("reports.addendum")}
            name="body"
            rows={3}
            maxLength={10000}
            defaultValue={actionData?.body ?? ""}
            key={actionData?.added ? "reset" : "keep"}
            errors={actionData?.error ? [actionData.error] : undefined}
            help={t("reports.addendumHelp")}
          />
          <p>
            <button type="submit" className="secondary">
              {t("reports.addAddendum")}
            </button>
          </p>
        </Form>
      </section>
    </div>
  );
}
