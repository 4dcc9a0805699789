-- Blocks where money moves: a blocked client's accounts refuse debits. The flag lives on the
-- account row, next to the money, so the guarded UPDATE that moves the money checks it under the
-- same row lock a block takes: no debit commits after the block's commit.
ALTER TABLE accounts ADD COLUMN client_blocked boolean NOT NULL DEFAULT false;
UPDATE accounts SET client_blocked = true WHERE client_id IN (SELECT id FROM clients WHERE status = 'blocked');

-- Per-currency transfer limits of a client, {"EUR": {"perTransfer": "10000.00", "daily": "20000.00"}};
-- currencies not named use the configured defaults.
ALTER TABLE clients ADD COLUMN limits jsonb NOT NULL DEFAULT '{}';

-- Tokens a verified account OTP gives: single use, bound to the operation and the account.
CREATE TABLE account_otp_tokens (
  token_hash      text PRIMARY KEY,
  confirmation_id uuid NOT NULL UNIQUE REFERENCES confirmations (id),
  client_id       uuid NOT NULL REFERENCES clients (id),
  account_id      uuid NOT NULL REFERENCES accounts (id),
  operation       text NOT NULL,
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz
);
