-- Tamper evidence: every decision carries its place in one chain (seq) and a SHA-256 over the
-- previous record's hash and its own canonical content (see dev.clarion.audit.RecordHasher).
-- Records written before this migration have no seq; chain verification reports them apart.
alter table decision add column seq bigint unique;
alter table decision add column prev_hash text;
alter table decision add column hash text;
alter table decision add column suggestion_uuids jsonb;

-- The head of the chain: one row, locked by the writer of each batch of records, so that replicas
-- append one after the other.
create table decision_chain (
    id   integer primary key check (id = 1),
    seq  bigint  not null,
    hash text    not null
);
insert into decision_chain (id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes decisions; the database refuses it too.
-- (A superuser can still bypass a trigger; the hash chain then shows the change.)
create function decision_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'decision records are append-only';
end;
$$;
create trigger decision_no_update before update or delete on decision
    for each row execute function decision_append_only();
create trigger decision_chain_no_delete before delete on decision_chain
    for each row execute function decision_append_only();
create trigger decision_no_truncate before truncate on decision
    for each statement execute function decision_append_only();
