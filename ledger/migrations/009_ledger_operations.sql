-- Ledger operations: end-of-day balance snapshots per account and day, and the results of the
-- consistency checks (the daily check and the account balance check job).

CREATE TABLE daily_account_balances (
  account_id      uuid NOT NULL REFERENCES accounts (id),
  date            date NOT NULL,
  currency        char(3) NOT NULL,
  -- Posted money only: the balance at the start of the day, the day's movements, the balance at as_of.
  opening_balance bigint NOT NULL,
  debits          bigint NOT NULL CHECK (debits >= 0),
  credits         bigint NOT NULL CHECK (credits >= 0),
  closing_balance bigint NOT NULL,
  held            bigint NOT NULL,
  -- The four counters at as_of: balances as of a later moment start from them (plus the journal after).
  debits_pending  bigint NOT NULL,
  debits_posted   bigint NOT NULL,
  credits_pending bigint NOT NULL,
  credits_posted  bigint NOT NULL,
  -- Entries created before this moment are in the snapshot: the end of the day, or the moment of a
  -- snapshot of today (which the scheduled run after the day ends replaces).
  as_of           timestamptz NOT NULL,
  computed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, date),
  CHECK (opening_balance + credits - debits = closing_balance),
  CHECK (closing_balance = credits_posted - debits_posted),
  CHECK (held = debits_pending)
);
CREATE INDEX daily_account_balances_by_date ON daily_account_balances (date, account_id);

CREATE TABLE ledger_checks (
  id          uuid PRIMARY KEY,
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind        text NOT NULL CHECK (kind IN ('daily', 'account_balance')),
  date        date NOT NULL,
  workflow_id text NOT NULL,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'passed', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- One row per check and part: a check over every account runs in batches, each batch a part, so a
-- retried batch replaces its own part instead of adding to the count twice.
CREATE TABLE ledger_check_results (
  check_id  uuid NOT NULL REFERENCES ledger_checks (id),
  name      text NOT NULL,
  part      int NOT NULL DEFAULT 0,
  offending int NOT NULL CHECK (offending >= 0),
  -- Up to 1000 offending rows per check (over all its parts).
  rows      jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (check_id, name, part)
);
