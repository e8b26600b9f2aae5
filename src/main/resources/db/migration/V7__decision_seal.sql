-- Seals: the decision writer signs every batch it commits (Ed25519, key outside the database, see
-- dev.clarion.audit.ChainSigner) in the batch's own transaction. A row appended with only the
-- application's database credentials is chained correctly but sealed by no valid signature, and
-- chain verification names it. Append-only like the records it vouches for.
create table decision_seal (
    last_seq   bigint      primary key,
    first_seq  bigint      not null,
    prev_hash  text        not null,
    hash       text        not null,
    sealed_at  timestamptz not null,
    key_id     text        not null,
    signature  text        not null,
    check (first_seq between 1 and last_seq)
);
create trigger decision_seal_no_update before update or delete on decision_seal
    for each row execute function decision_append_only();
create trigger decision_seal_no_truncate before truncate on decision_seal
    for each statement execute function decision_append_only();
