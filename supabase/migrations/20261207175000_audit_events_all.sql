-- Two migrations of the same day each rebuilt the audit events' check from the list they knew:
-- sealed details added later (addendum_added, 20261207110000) and community alerts
-- (alert_published, alert_unpublished, 20261207140000), which ran last and dropped the first's.
-- The list holds both again.
alter table public.audit_events drop constraint audit_events_event_check;
alter table public.audit_events add constraint audit_events_event_check check (event in (
  'viewed', 'unsealed', 'status_changed', 'verification_changed', 'urgency_changed', 'assigned',
  'legal_hold', 'note_added', 'task_added', 'task_done', 'info_requested', 'access_shared', 'exported', 'purged',
  'key_registered', 'key_replaced', 'key_withdrawn', 'key_waits_again', 'recovery_key_registered', 'recovery_key_proposed',
  'recovery_key_replaced', 'recovery_key_withdrawn', 'role_granted', 'role_revoked', 'member_deactivated', 'member_reactivated',
  'addendum_added', 'alert_published', 'alert_unpublished'));
