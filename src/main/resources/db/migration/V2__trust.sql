-- EHR clients allowed to call the CDS Hooks endpoints (CDS Hooks 2.0 §Trusting CDS Clients).
-- Registered by integrators through /admin/clients; read by every replica.
create table ehr_client (
    id            uuid        primary key,
    iss           text        not null,
    -- '' when the client sends no tenant claim, so (iss, tenant) can be unique.
    tenant        text        not null default '',
    name          text        not null,
    jwks          jsonb,
    jwks_urls     jsonb       not null default '[]',
    services      jsonb       not null default '[]',
    fhir_servers  jsonb       not null default '[]',
    enabled       boolean     not null,
    version       bigint      not null,
    created_at    timestamptz not null,
    created_by    text        not null,
    updated_at    timestamptz not null,
    updated_by    text        not null,
    constraint ehr_client_keys check (jwks is not null or jsonb_array_length(jwks_urls) > 0),
    constraint ehr_client_iss_tenant unique (iss, tenant)
);

-- Every change to a registration: who, what, when, before and after. Never updated or deleted.
create table ehr_client_change (
    id         bigint generated always as identity primary key,
    client_id  uuid        not null references ehr_client (id),
    changed_at timestamptz not null,
    actor      text        not null,
    action     text        not null,
    before     jsonb,
    after      jsonb       not null
);
create index ehr_client_change_client on ehr_client_change (client_id, changed_at);

-- JWT ids already accepted, kept until the token expires: the replay cache shared by all replicas.
create table jwt_replay (
    iss        text        not null,
    jti        text        not null,
    expires_at timestamptz not null,
    primary key (iss, jti)
);
create index jwt_replay_expiry on jwt_replay (expires_at);

-- Rejected CDS client calls. Holds the reason and the claimed issuer, never the token.
create table security_event (
    id          bigint generated always as identity primary key,
    occurred_at timestamptz not null,
    kind        text        not null,
    reason      text        not null,
    claimed_iss text,
    service_id  text,
    remote_addr text
);
create index security_event_time on security_event (occurred_at);

-- Who asked: the verified client (null for unsigned loopback calls in the embedded run).
alter table decision add column client_id uuid;
alter table decision add column client_iss text;
alter table decision add column client_tenant text;
