-- Shadow rollout: a service may score a candidate model version on every call beside the one it
-- runs. The candidate's result is recorded in the same decision row (never shown, never used for
-- the card) and hashed with it: {model: {id, version, sha256}, outcome, reasonCode, reasons,
-- inputs, output, attributions, micros}. Null when the service has no shadow. The application
-- role's privileges on decision (select, insert) cover the new column.
alter table decision add column shadow jsonb;

create index decision_shadow_service on decision (service_id, recorded_at) where shadow is not null;
