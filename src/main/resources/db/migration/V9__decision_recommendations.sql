-- Recommendations as data: per topic, the recommendation rule that fired for the decision (id,
-- version, guideline), its status (applies / none / withheld) and the orderables suggested or
-- skipped — {topic, status, rule, version, guideline, suggested: [..], skipped: [..]}. Hashed with
-- the record when it holds a value (records without one hash as before). Null when the model has
-- no rules or the call ended before its cards. The application role's privileges on decision
-- (select, insert) cover the new column.
alter table decision add column recommendations jsonb;
