-- Transfers (read model written by activities), recipients, OTP confirmations, sent notifications,
-- ops audit entries, and the sandbox payment provider's own book.

CREATE TABLE recipients (
  id             uuid PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  client_id      uuid NOT NULL REFERENCES clients (id),
  name           text NOT NULL,
  iban           text,
  account_number text,
  bic            text,
  country        char(2) NOT NULL,
  currency       char(3) NOT NULL,
  type           text NOT NULL CHECK (type IN ('individual', 'business')),
  hidden         boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (iban IS NOT NULL OR account_number IS NOT NULL)
);
CREATE INDEX recipients_by_client ON recipients (client_id, seq);

CREATE TABLE transfers (
  id                 uuid PRIMARY KEY,
  seq                bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  client_id          uuid REFERENCES clients (id),
  direction          text NOT NULL CHECK (direction IN ('outgoing', 'incoming', 'fx')),
  type               text NOT NULL CHECK (type IN ('Internal', 'Sepa', 'Swift', 'Fx')),
  status             text NOT NULL,
  account_id         uuid REFERENCES accounts (id),
  recipient_id       uuid REFERENCES recipients (id),
  recipient          jsonb,
  sender             jsonb,
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           char(3) NOT NULL,
  fee                bigint NOT NULL DEFAULT 0 CHECK (fee >= 0),
  reference          text,
  provider_reference text,
  confirmation_id    uuid,
  failure_reason     text,
  related_transfer_id uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- The provider reports each incoming payment once under its reference.
CREATE UNIQUE INDEX transfers_incoming_once ON transfers (provider_reference) WHERE direction = 'incoming';
CREATE INDEX transfers_by_client ON transfers (client_id, seq);
CREATE INDEX transfers_by_status ON transfers (status, seq);
CREATE INDEX transfers_by_account ON transfers (account_id, seq);

CREATE TABLE transfer_audit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transfer_id uuid NOT NULL REFERENCES transfers (id),
  -- The workflow step that wrote it: a retried activity writes it once.
  step_key    text NOT NULL UNIQUE,
  action      text NOT NULL,
  actor       text NOT NULL,
  note        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_audit_by_transfer ON transfer_audit (transfer_id, id);

CREATE TABLE confirmations (
  id            uuid PRIMARY KEY,
  client_id     uuid NOT NULL REFERENCES clients (id),
  transfer_id   uuid,
  operation     text NOT NULL,
  -- HMAC of the code: a leaked table does not give the codes away.
  code_hash     text NOT NULL,
  expires_at    timestamptz NOT NULL,
  attempts_left int NOT NULL CHECK (attempts_left >= 0),
  status        text NOT NULL CHECK (status IN ('pending', 'verified')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
  id          uuid PRIMARY KEY,
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  client_id   uuid,
  channel     text NOT NULL,
  subject     text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_client ON notifications (client_id, seq);

CREATE TABLE sandbox_provider_payments (
  transfer_id        uuid PRIMARY KEY,
  provider_reference text NOT NULL UNIQUE,
  reference          text,
  amount             bigint NOT NULL,
  currency           char(3) NOT NULL,
  status             text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
  reason             text,
  submit_attempts    int NOT NULL DEFAULT 1,
  decide_at          timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
