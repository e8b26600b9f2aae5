-- Feedback is append-only like decisions: TRUNCATE is refused too (V4 guarded UPDATE and DELETE
-- only). A superuser can still bypass a trigger; the feedback's content hashes then show it.
create trigger feedback_no_truncate before truncate on feedback
    for each statement execute function decision_append_only();

-- Every new decision has its place in the chain. NOT VALID: enforced for every row inserted from
-- now on, without rewriting or checking history; rows written before V3 (no seq) stay as they are
-- and chain verification reports them as breaks, never silently fixing them.
alter table decision
    add constraint decision_chained
    check (seq is not null and prev_hash is not null and hash is not null) not valid;
