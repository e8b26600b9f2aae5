-- Every activation of a model catalogue: at start-up and at each reload, on every replica.
-- Decisions name the exact model version and sha256; this says when each became active, and who
-- (or what: the folder watcher) activated it.
create table model_activation (
  id            bigserial primary key,
  activated_at  timestamptz not null,
  replica       text not null,
  actor         text not null,
  fingerprint   text not null,
  models        jsonb not null,   -- [{id, version, sha256}]
  changes       jsonb not null    -- ["kfre: 1.0.0 (sha256 …) → 1.1.0 (sha256 …)", …]
);

create index model_activation_time on model_activation (activated_at);
