import { Link } from "@remix-run/react";
import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";

const noSubscription = () => () => {};

/**
 * "Select everyone on this page": ticks every box named `name` of the form `formId` on the page
 * shown. Only once the page runs scripts (without them it would do nothing, so it is not there).
 */
export function SelectPage({ formId, name }: { formId: string; name: string }) {
  const { t } = useTranslation();
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  if (!hydrated) return null;
  return (
    <label className="select-person">
      <input
        type="checkbox"
        onChange={(event) => {
          const checked = event.currentTarget.checked;
          for (const box of document.querySelectorAll<HTMLInputElement>(`input[name="${name}"][form="${formId}"]`)) box.checked = checked;
        }}
      />{" "}
      {t("pager.selectPage")}
    </label>
  );
}

/**
 * Page links under a long list: plain links (they work without JavaScript) that keep the list's
 * other query parameters, with where the page is ("Showing 51–100 of 1,000", "Page 2 of 20").
 */
export function Pager({ page, pageSize, total, search, label }: { page: number; pageSize: number; total: number; search: URLSearchParams; label?: string }) {
  const { t, i18n } = useTranslation();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return null;
  const n = (value: number) => value.toLocaleString(i18n.language);
  const to = (target: number) => {
    const params = new URLSearchParams(search);
    if (target > 1) params.set("page", String(target));
    else params.delete("page");
    const query = params.toString();
    return { search: query ? `?${query}` : "" };
  };
  const from = (page - 1) * pageSize + 1;
  return (
    <nav aria-label={label ?? t("pager.pages")} className="pager">
      <p>
        {t("pager.showing", { from: n(from), to: n(Math.min(total, page * pageSize)), total: n(total) })}
        {pages > 1 ? <> · {t("pager.page", { page: n(page), pages: n(pages) })}</> : null}
      </p>
      {pages > 1 ? (
        <p className="inline-forms">
          {page > 2 ? (
            <Link to={to(1)} className="button secondary">
              {t("pager.first")}
            </Link>
          ) : null}
          {page > 1 ? (
            <Link to={to(page - 1)} className="button secondary" rel="prev">
              {t("pager.previous")}
            </Link>
          ) : null}
          {page < pages ? (
            <Link to={to(page + 1)} className="button secondary" rel="next">
              {t("pager.next")}
            </Link>
          ) : null}
          {page < pages - 1 ? (
            <Link to={to(pages)} className="button secondary">
              {t("pager.last")}
            </Link>
          ) : null}
        </p>
      ) : null}
    </nav>
  );
}
