import { Form, useRevalidator } from "@remix-run/react";
import { lazy, Suspense, useRef, useState } from "react";
import { ClientOnly } from "remix-utils/client-only";
import { useTranslation } from "react-i18next";
import { sha256Hex } from "~/integrations/sealing";
import { sealMedia, sniffMediaType } from "~/modules/reports/media";
import { activeRecipients, rememberRecipients, type BrowserRecipient } from "~/modules/reports/recipients";

// The notice that whom sealed files go to changed (ADR 018): browser only, fetched after the page is up.
const RecipientNotice = lazy(() => import("~/components/recipient-notice"));

type Item = { name: string; state: "sealing" | "uploading" | "done" | "failed"; progress: number; error?: string };

function upload(url: string, body: FormData, onProgress: (fraction: number) => void): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    // XMLHttpRequest, not fetch: only it reports upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        resolve(JSON.parse(xhr.responseText) as { ok: boolean; error?: string });
      } catch {
        resolve({ ok: false, error: "errors.generic" });
      }
    };
    xhr.onerror = () => resolve({ ok: false, error: "reports.errors.mediaNetwork" });
    xhr.send(body);
  });
}

/**
 * Photos and videos for one's own report. In the browser each file is checked by its magic bytes,
 * hashed (SHA-256 of the original, sealed with it and sent nowhere else) and sealed to the legal
 * team's keys under an id picked here, before upload; without JavaScript the same form posts the
 * originals and the server seals them on receipt (its upload key names each file once).
 */
export function MediaUpload({
  reportId,
  recipients,
  limitBytes,
  uploadKey,
}: {
  reportId: string;
  recipients: BrowserRecipient[];
  limitBytes: number;
  uploadKey: string;
}) {
  const { t } = useTranslation();
  const revalidator = useRevalidator();
  const [items, setItems] = useState<Item[]>([]);
  // Each original's id, by its hash, in this page's memory only: a file picked again (a retry
  // after a lost answer) keeps its id, so the server stores it once.
  const ids = useRef(new Map<string, string>());
  const update = (index: number, patch: Partial<Item>) => setItems((all) => all.map((item, i) => (i === index ? { ...item, ...patch } : item)));

  const send = async (files: File[]) => {
    setItems(files.map((f) => ({ name: f.name, state: "sealing", progress: 0 })));
    for (const [index, file] of files.entries()) {
      if (file.size > limitBytes) {
        update(index, { state: "failed", error: "reports.errors.mediaTooLarge" });
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      const contentType = sniffMediaType(bytes);
      if (!contentType) {
        update(index, { state: "failed", error: "reports.errors.mediaType" });
        continue;
      }
      const sha256 = sha256Hex(bytes);
      const mediaId = ids.current.get(sha256) ?? crypto.randomUUID();
      ids.current.set(sha256, mediaId);
      let box: ReturnType<typeof sealMedia>;
      try {
        const inUse = activeRecipients(recipients);
        if (!inUse.length) throw new Error("no key in use yet by this clock");
        box = sealMedia({ bytes, reportId, mediaId, contentType, sha256 }, inUse);
        rememberRecipients(inUse);
      } catch {
        update(index, { state: "failed", error: "reports.errors.sealFailed" });
        continue;
      } finally {
        bytes.fill(0);
      }
      const { sealed, nonce, ciphertext } = box;
      const body = new FormData();
      body.set("mediaId", mediaId);
      body.set("box", JSON.stringify(sealed));
      body.set("nonce", nonce);
      body.set("contentType", contentType);
      body.set("size", String(file.size));
      body.set("ciphertext", new Blob([ciphertext as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }), "sealed.bin");
      update(index, { state: "uploading" });
      const result = await upload(`/reports/${reportId}/media`, body, (progress) => update(index, { progress }));
      update(index, result.ok ? { state: "done", progress: 1 } : { state: "failed", error: result.error ?? "errors.generic" });
    }
    revalidator.revalidate();
  };

  const notice = recipients.length ? (
    <ClientOnly>
      {() => (
        <Suspense fallback={null}>
          <RecipientNotice recipients={recipients} />
        </Suspense>
      )}
    </ClientOnly>
  ) : null;
  return (
    <Form
      method="post"
      action={`/reports/${reportId}/media`}
      encType="multipart/form-data"
      className="stack"
      onSubmit={(event) => {
        if (!recipients.length) return; // the server explains that no key is set up
        event.preventDefault();
        const input = event.currentTarget.elements.namedItem("media") as HTMLInputElement;
        const files = [...(input.files ?? [])];
        if (files.length) void send(files).then(() => (input.value = ""));
      }}
    >
      {notice}
      <input type="hidden" name="uploadKey" value={uploadKey} />
      <div className="field">
        <label htmlFor="media-files">{t("reports.mediaLabel")}</label>
        <span className="help" id="media-help">
          {t("reports.mediaHelp", { mb: Math.round(limitBytes / 1024 / 1024) })}
        </span>
        <input id="media-files" name="media" type="file" multiple accept="image/jpeg,image/png,image/webp,image/heic,video/mp4,video/quicktime,video/webm,video/3gpp" aria-describedby="media-help" />
      </div>
      <p>
        <button type="submit" className="secondary">
          {t("reports.mediaUpload")}
        </button>
      </p>
      {items.length ? (
        <ul className="uploads" aria-live="polite">
          {items.map((item, i) => (
            <li key={`${item.name}-${i}`}>
              <span>{item.name}</span>{" "}
              {item.state === "failed" ? (
                <span className="error-text">{t(item.error ?? "errors.generic")}</span>
              ) : (
                <>
                  <progress max={1} value={item.progress} aria-label={t("reports.mediaProgress", { name: item.name })} />{" "}
                  <span>{t(`reports.mediaState.${item.state}`)}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </Form>
  );
}
