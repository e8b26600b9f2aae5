-- One row per CDS service call that reached a known service: scored, refused or failed.
-- Written and committed before the response is sent (see DecisionRecorder).
create table decision (
    id             uuid        primary key,
    recorded_at    timestamptz not null,
    hook_instance  text,
    service_id     text        not null,
    hook           text,
    patient_ref    text,
    user_ref       text,
    outcome        text        not null check (outcome in ('SCORED', 'REFUSED', 'FAILED')),
    reason_code    text,
    reasons        jsonb,
    http_status    integer     not null,
    model_id       text,
    model_version  text,
    model_sha256   text,
    inputs         jsonb,
    output         jsonb,
    attributions   jsonb,
    card_uuids     jsonb,
    latency_micros bigint      not null
);

create index decision_patient_time on decision (patient_ref, recorded_at);
create index decision_service_time on decision (service_id, recorded_at);
create index decision_hook_instance on decision (hook_instance);
