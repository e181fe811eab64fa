-- A seized phone gives little away (issue 18, item 6): where "Quick exit" leaves for, and how long
-- a report's draft may stay on a phone. Both are the organisation's, set in /admin/settings.
--
-- quick_exit_url: only ever navigated to by the observer's browser, never fetched by us. An https
-- address, so the page after the exit is not itself readable or changeable on the way.
alter table public.org_settings
  add column quick_exit_url text not null default 'https://weather.com/'
    check (char_length(quick_exit_url) <= 500 and quick_exit_url ~ '^https://[^[:space:]/?#]+(/[^[:space:]]*)?$'),
  add column draft_ttl_hours integer not null default 24 check (draft_ttl_hours between 1 and 168);
grant update (quick_exit_url, draft_ttl_hours) on public.org_settings to authenticated;
