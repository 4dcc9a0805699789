-- The back office's audit log (issue #26): every action a system or ops token takes that moves money
-- or changes a status, a limit or a block, written in the same transaction as the action, so an
-- action and its record commit or roll back together. Append-only like the journal.
CREATE TABLE audit_log (
  id            uuid PRIMARY KEY,
  -- Paging order (newest first): ids are random, so the log pages by this.
  seq           bigserial NOT NULL UNIQUE,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_role    text NOT NULL CHECK (actor_role IN ('client', 'system', 'ops')),
  actor_sub     text NOT NULL,
  -- A dotted verb, e.g. payment.created, payment.reversed, client.blocked, account.limits_changed.
  action        text NOT NULL,
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  note          text,
  before        jsonb,
  after         jsonb
);
CREATE INDEX audit_log_by_resource ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor_sub, seq);
CREATE INDEX audit_log_by_at ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log rows are immutable: % is not allowed', TG_OP;
END
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
