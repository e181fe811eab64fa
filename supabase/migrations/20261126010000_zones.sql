-- Deployment zones drawn by coordinators, and the observers assigned to them.

create table public.zones (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(btrim(name)) between 1 and 80),
  colour text not null default '#0b4f6c' check (colour ~ '^#[0-9a-f]{6}$'),
  priority smallint not null default 2 check (priority between 1 and 3),
  notes text not null default '' check (char_length(notes) <= 2000),
  -- GeoJSON, validated in full by the app (closed rings, ranges, no self-intersection); the
  -- database insists on the shape it can check cheaply.
  geometry jsonb not null check (
    jsonb_typeof(geometry) = 'object'
    and geometry ->> 'type' in ('Polygon', 'MultiPolygon')
    and jsonb_typeof(geometry -> 'coordinates') = 'array'
  ),
  meeting_point jsonb check (
    meeting_point is null
    or (meeting_point ->> 'type' = 'Point' and jsonb_array_length(meeting_point -> 'coordinates') = 2)
  ),
  meeting_point_note text not null default '' check (char_length(meeting_point_note) <= 200),
  retired_at timestamptz,
  created_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index zones_name_key on public.zones (lower(btrim(name)));
create index zones_active_idx on public.zones (priority, name) where retired_at is null;
create index zones_created_by_idx on public.zones (created_by);

create table public.zone_assignments (
  zone_id uuid not null references public.zones (id) on delete cascade,
  observer_id uuid not null references public.profiles (id) on delete cascade,
  assigned_by uuid references public.profiles (id) on delete set null,
  assigned_at timestamptz not null default now(),
  primary key (zone_id, observer_id)
);
create index zone_assignments_observer_idx on public.zone_assignments (observer_id);
create index zone_assignments_assigned_by_idx on public.zone_assignments (assigned_by);

create or replace function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger zones_touch before update on public.zones
  for each row execute function private.touch_updated_at();

-- Retirement is stamped by the database, so nobody can back- or forward-date it.
create or replace function private.stamp_retired_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.retired_at is not null then
    new.retired_at := case when old.retired_at is not null then old.retired_at else now() end;
  end if;
  return new;
end
$$;

create trigger zones_stamp_retired before update of retired_at on public.zones
  for each row execute function private.stamp_retired_at();

alter table public.zones enable row level security;
alter table public.zone_assignments enable row level security;

revoke all on public.zones, public.zone_assignments from anon, authenticated;
grant select on public.zones to authenticated;
grant insert (name, colour, priority, notes, geometry, meeting_point, meeting_point_note, created_by) on public.zones to authenticated;
grant update (name, colour, priority, notes, geometry, meeting_point, meeting_point_note, retired_at) on public.zones to authenticated;
grant select, delete on public.zone_assignments to authenticated;
grant insert (zone_id, observer_id, assigned_by) on public.zone_assignments to authenticated;

-- Everyone signed in sees active zones; coordinators and admins also see retired ones.
-- Observers keep seeing a retired zone they were assigned to, so their history still has a name.
create policy zones_select on public.zones for select to authenticated
  using (
    (
      (select private.is_active_member())
      and (
        retired_at is null
        or exists (select 1 from public.zone_assignments a where a.zone_id = zones.id and a.observer_id = (select auth.uid()))
      )
    )
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  );
create policy zones_insert on public.zones for insert to authenticated
  with check (
    ((select private.has_role('coordinator')) or (select private.has_role('admin')))
    and created_by = (select auth.uid())
  );
create policy zones_update on public.zones for update to authenticated
  using ((select private.has_role('coordinator')) or (select private.has_role('admin')))
  with check ((select private.has_role('coordinator')) or (select private.has_role('admin')));
-- No delete policy: zones are retired, so shifts and reports keep pointing at them.

create policy zone_assignments_select on public.zone_assignments for select to authenticated
  using (
    (observer_id = (select auth.uid()) and (select private.is_active_member()))
    or (select private.has_role('coordinator'))
    or (select private.has_role('admin'))
  );
-- Only active observers, and only to active zones.
create or replace function private.is_assignable(zone uuid, observer uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.zones z where z.id = zone and z.retired_at is null)
     and exists (
       select 1 from public.role_grants g join public.profiles p on p.id = g.user_id
       where g.user_id = observer and g.role = 'observer' and p.deactivated_at is null
     )
$$;
revoke all on function private.is_assignable(uuid, uuid) from public;
grant execute on function private.is_assignable(uuid, uuid) to authenticated;

create policy zone_assignments_insert on public.zone_assignments for insert to authenticated
  with check (
    ((select private.has_role('coordinator')) or (select private.has_role('admin')))
    and assigned_by = (select auth.uid())
    and private.is_assignable(zone_id, observer_id)
  );
create policy zone_assignments_delete on public.zone_assignments for delete to authenticated
  using ((select private.has_role('coordinator')) or (select private.has_role('admin')));
