-- A message that carries a one-time code says until when the code is good: housekeeping deletes
-- it once the code expired (a code is a secret; nothing needs it afterwards). Expand only: a
-- nullable column without a default is a catalog change (no table rewrite), and code of the
-- previous release, which does not write it, keeps working; its messages age out by
-- NOTIFICATION_RETENTION_DAYS instead.
ALTER TABLE notifications ADD COLUMN expires_at timestamptz;
CREATE INDEX notifications_expiring ON notifications (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX notifications_by_age ON notifications (created_at);
