-- Who made each audited change: the database role (filled by the server's
-- default, current_user, unless a writer says otherwise), the
-- operating-system user and host of the console or CLI that made it.
-- `actor` stays the one-line summary ("os_user@host as role"). Rows written
-- before this migration keep db_role NULL: the role that runs the migration
-- did not make them.
ALTER TABLE audit_log
    ADD COLUMN db_role     text,
    ADD COLUMN os_user     text,
    ADD COLUMN client_host text;
ALTER TABLE audit_log ALTER COLUMN db_role SET DEFAULT current_user;
-- The audit view filters by entity and key, newest first, and by key alone
-- across entities (`ragdesk limits history KEY`).
CREATE INDEX audit_log_key_at_idx ON audit_log (entity_key, at DESC, id DESC);
-- Audit rows outlive what they describe: a deleted tenant's history keeps
-- its tenant id (ON DELETE SET NULL erased it), and `seed --reset` can
-- truncate the tenants without truncating the audit.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_tenant_id_fkey;
