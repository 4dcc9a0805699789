-- The payment read model (written by activities) and stored API responses for Idempotency-Key.

CREATE TABLE payments (
  id                uuid PRIMARY KEY,
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  debit_account_id  uuid NOT NULL REFERENCES accounts (id),
  credit_account_id uuid NOT NULL REFERENCES accounts (id),
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          char(3) NOT NULL,
  description       text,
  reference         text,
  status            text NOT NULL CHECK (status IN ('Draft', 'Pending', 'Posted', 'Cancelled')),
  hold_expires_at   timestamptz,
  cancel_reason     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_by_status ON payments (status, seq);
CREATE INDEX payments_by_debit_account ON payments (debit_account_id, seq);
CREATE INDEX payments_by_credit_account ON payments (credit_account_id, seq);

CREATE TABLE idempotency_keys (
  caller          text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  -- Set while the first request runs; a request that crashed frees the key when it passes.
  locked_until    timestamptz,
  response_status int,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
