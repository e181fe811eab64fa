-- The hotline role (issue 19, item 1): volunteers who answer the hotline and log calls as intake
-- reports. A value added to an enum cannot be used in the transaction that adds it, so it has a
-- migration of its own; docs/decisions/025-hotline-intake.md says how intake reports work.
alter type public.app_role add value if not exists 'hotline';
