-- The double-entry ledger: clients, accounts with TigerBeetle-style counters, an immutable journal.

-- Account numbers: 11 digits from a sequence plus a Luhn check digit (12 digits in all).
CREATE SEQUENCE account_number_seq START 10000000000 MAXVALUE 99999999999;

CREATE FUNCTION luhn_check_digit(digits text) RETURNS int
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT (10 - sum(d) % 10) % 10
  FROM (
    SELECT CASE WHEN i % 2 = 1 THEN (CASE WHEN 2 * x > 9 THEN 2 * x - 9 ELSE 2 * x END) ELSE x END AS d
    FROM (
      SELECT substr(reverse(digits), i, 1)::int AS x, i
      FROM generate_series(1, length(digits)) AS i
    ) rev
  ) weighted
$$;

CREATE FUNCTION next_account_number() RETURNS text
LANGUAGE sql VOLATILE AS $$
  SELECT n || luhn_check_digit(n) FROM (SELECT nextval('account_number_seq')::text AS n) s
$$;

CREATE TABLE clients (
  id            uuid PRIMARY KEY,
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  type          text NOT NULL CHECK (type IN ('individual', 'business')),
  first_name    text,
  last_name     text,
  company_name  text,
  email         text NOT NULL,
  phone         text,
  country       char(2) NOT NULL,
  external_id   text UNIQUE,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'closed')),
  status_reason text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  id              uuid PRIMARY KEY,
  seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  account_number  text NOT NULL UNIQUE DEFAULT next_account_number(),
  iban            text UNIQUE,
  client_id       uuid REFERENCES clients (id),
  currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  kind            text NOT NULL CHECK (kind IN ('client', 'internal')),
  purpose         text NOT NULL,
  name            text NOT NULL,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'closed')),
  display_order   int NOT NULL DEFAULT 0,
  overdraft_limit bigint NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
  debits_pending  bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted   bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted  bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'client') = (client_id IS NOT NULL)),
  CHECK (
    (kind = 'client' AND purpose IN ('current', 'savings'))
    OR (kind = 'internal' AND purpose IN ('settlement', 'suspense', 'fx_position', 'fee_income', 'external_clearing'))
  ),
  -- The last line of defence behind the guarded updates in ledger/journal.ts: whatever the
  -- application does, a client account never goes below zero available.
  CONSTRAINT client_available_not_negative
    CHECK (kind = 'internal' OR credits_posted - debits_posted - debits_pending + overdraft_limit >= 0)
);
CREATE UNIQUE INDEX accounts_one_internal_per_purpose ON accounts (currency, purpose) WHERE kind = 'internal';
CREATE INDEX accounts_by_client ON accounts (client_id, display_order);

CREATE TABLE journal_entries (
  id                uuid PRIMARY KEY,
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind              text NOT NULL CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
  debit_account_id  uuid NOT NULL REFERENCES accounts (id),
  credit_account_id uuid NOT NULL REFERENCES accounts (id),
  amount            bigint NOT NULL CHECK (amount > 0),
  currency          char(3) NOT NULL,
  pending_id        uuid REFERENCES journal_entries (id),
  payment_id        uuid,
  transfer_id       uuid,
  description       text,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((kind IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL)),
  CHECK (debit_account_id <> credit_account_id)
);
-- A pending entry is resolved (posted or voided) at most once.
CREATE UNIQUE INDEX journal_pending_resolved_once ON journal_entries (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX journal_by_debit_account ON journal_entries (debit_account_id, seq);
CREATE INDEX journal_by_credit_account ON journal_entries (credit_account_id, seq);
CREATE INDEX journal_by_payment ON journal_entries (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX journal_by_transfer ON journal_entries (transfer_id) WHERE transfer_id IS NOT NULL;
CREATE INDEX journal_by_created_at ON journal_entries (created_at);

CREATE FUNCTION journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal entries are immutable: % is not allowed', TG_OP;
END
$$;
CREATE TRIGGER journal_no_update_or_delete BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only();

-- An entry id whose first attempt failed on a business rule stays failed with the same code.
CREATE TABLE ledger_rejections (
  id         uuid PRIMARY KEY,
  code       text NOT NULL,
  message    text NOT NULL,
  metadata   jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Internal accounts, one per currency and purpose.
INSERT INTO accounts (id, currency, kind, purpose, name)
SELECT gen_random_uuid(), c, 'internal', p, c || ' ' || replace(p, '_', ' ')
FROM unnest(ARRAY['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'BHD']) AS c
CROSS JOIN unnest(ARRAY['settlement', 'suspense', 'fx_position', 'fee_income', 'external_clearing']) AS p
ORDER BY c, p;
