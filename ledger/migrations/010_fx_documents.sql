-- FX transfers: the locked quote on the transfer read model (amount/currency are the sell side).
ALTER TABLE transfers
  ADD COLUMN sell_amount       bigint CHECK (sell_amount > 0),
  ADD COLUMN sell_currency     char(3),
  ADD COLUMN buy_amount        bigint CHECK (buy_amount > 0),
  ADD COLUMN buy_currency      char(3),
  ADD COLUMN rate              text,
  ADD COLUMN quote_expires_at  timestamptz,
  ADD COLUMN target_account_id uuid REFERENCES accounts (id);
ALTER TABLE transfers ADD CONSTRAINT transfers_fx_has_quote
  CHECK (direction <> 'fx' OR (sell_amount IS NOT NULL AND buy_amount IS NOT NULL AND rate IS NOT NULL
                               AND quote_expires_at IS NOT NULL AND target_account_id IS NOT NULL));

-- Supporting documents of transfers and KYC documents of clients. The bytes live in the storage
-- adapter (a directory by default) under storage_key; the sha256 was computed while they streamed in.
CREATE TABLE documents (
  id           uuid PRIMARY KEY,
  seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  owner_kind   text NOT NULL CHECK (owner_kind IN ('transfer', 'client')),
  transfer_id  uuid REFERENCES transfers (id),
  client_id    uuid REFERENCES clients (id),
  type         text NOT NULL CHECK (type IN ('invoice', 'contract', 'id', 'other')),
  file_name    text NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  size         bigint NOT NULL CHECK (size > 0),
  sha256       char(64) NOT NULL,
  storage_key  text NOT NULL UNIQUE,
  uploaded_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_kind = 'transfer') = (transfer_id IS NOT NULL)),
  CHECK (owner_kind = 'transfer' OR client_id IS NOT NULL)
);
CREATE INDEX documents_by_transfer ON documents (transfer_id, seq) WHERE transfer_id IS NOT NULL;
CREATE INDEX documents_by_client ON documents (client_id, seq) WHERE owner_kind = 'client';

-- Incoming payments sent back to the sender's bank (ops `return` of an Unrecognized transfer), in
-- the sandbox provider's own book: one return per incoming transfer.
CREATE TABLE sandbox_provider_returns (
  transfer_id        uuid PRIMARY KEY,
  provider_reference text NOT NULL UNIQUE,
  original_reference text NOT NULL,
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           char(3) NOT NULL,
  reason             text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
