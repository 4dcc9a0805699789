-- Wrong one-time codes per client and UTC day, across every code (transfer confirmations, FX and
-- account operations): past the configured budget every code check of the client is refused until
-- the day ends. notified_at: the client was told once that its budget is spent.
CREATE TABLE otp_wrong_codes (
  client_id   uuid NOT NULL REFERENCES clients (id),
  day         date NOT NULL,
  wrong       int NOT NULL DEFAULT 0 CHECK (wrong >= 0),
  notified_at timestamptz,
  PRIMARY KEY (client_id, day)
);

-- Account codes are counted per account and operation over a window (send-otp).
CREATE INDEX confirmations_operation_recent ON confirmations (operation, created_at) WHERE transfer_id IS NULL;

-- The daily volume of documents per client.
CREATE INDEX documents_client_day ON documents (client_id, created_at);
