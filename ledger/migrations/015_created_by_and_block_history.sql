-- Who did it (issue #26): every payment and transfer keeps the role and subject of the token that
-- started it, and an ops payment its note. Rows from before this migration have no author (null).
ALTER TABLE payments ADD COLUMN created_by_role text CHECK (created_by_role IN ('client', 'system', 'ops'));
ALTER TABLE payments ADD COLUMN created_by_sub text;
ALTER TABLE payments ADD COLUMN note text;
ALTER TABLE transfers ADD COLUMN created_by_role text CHECK (created_by_role IN ('client', 'system', 'ops'));
ALTER TABLE transfers ADD COLUMN created_by_sub text;

-- A client's block history: each block and unblock, with its reason and who did it. The client row
-- keeps only the current status; this keeps what came before. Append-only like the audit log.
CREATE TABLE client_status_history (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id  uuid NOT NULL REFERENCES clients (id),
  status     text NOT NULL,
  reason     text,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_role text NOT NULL CHECK (actor_role IN ('client', 'system', 'ops')),
  actor_sub  text NOT NULL
);
CREATE INDEX client_status_history_by_client ON client_status_history (client_id, id);
CREATE TRIGGER client_status_history_no_update_or_delete BEFORE UPDATE OR DELETE ON client_status_history
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
