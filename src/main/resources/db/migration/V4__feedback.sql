-- What clinicians did with the cards (CDS Hooks 2.0 §Feedback). One row per distinct feedback
-- item; the same item sent again has the same content_hash and is stored once. Feedback for a card
-- no decision knows is kept (decision_id null), not dropped.
create table feedback (
    id                   bigint generated always as identity primary key,
    received_at          timestamptz not null,
    service_id           text        not null,
    client_id            uuid,
    client_iss           text,
    card_uuid            text        not null,
    decision_id          uuid        references decision (id),
    outcome              text        not null check (outcome in ('accepted', 'overridden')),
    accepted_suggestions jsonb,
    override_reason      jsonb,
    override_comment     text,
    outcome_timestamp    timestamptz not null,
    content_hash         text        not null unique
);
create index feedback_decision on feedback (decision_id);
create index feedback_card on feedback (card_uuid);
create trigger feedback_no_update before update or delete on feedback
    for each row execute function decision_append_only();

-- Feedback finds its decision through the card uuid.
create index decision_card_uuids on decision using gin (card_uuids jsonb_path_ops);
