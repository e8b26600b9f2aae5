-- What the application role (clarion_app here; CLARION_DB_APP_ROLE names it) may do, granted by
-- `clarion migrate` as the owner after each migration. The README's "Database roles" block lists
-- the same GRANTs (AppRoleGrantsTest keeps the two equal). Append-only: no UPDATE, DELETE or
-- TRUNCATE on decision or feedback, no ownership, no superuser.
GRANT SELECT, INSERT ON decision, feedback, security_event, jwt_replay TO clarion_app;
GRANT DELETE ON jwt_replay TO clarion_app;
GRANT SELECT, UPDATE ON decision_chain TO clarion_app;
GRANT SELECT, INSERT ON decision_seal TO clarion_app;
GRANT SELECT, INSERT, UPDATE ON ehr_client TO clarion_app;
GRANT SELECT, INSERT ON ehr_client_change TO clarion_app;
GRANT SELECT, INSERT ON model_activation TO clarion_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO clarion_app;
GRANT SELECT ON flyway_schema_history TO clarion_app;
-- Tables and sequences of later migrations start append-only too; a migration that needs more
-- for the application adds its GRANT here.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO clarion_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO clarion_app;
