-- The balance formulas of docs/architecture.md, written once: every query, guard and check reads these
-- columns instead of repeating the arithmetic (ledger/accounts.ts balancesOf is the same formula
-- for counters computed from the journal, and a test ties the two together).
ALTER TABLE accounts
  ADD COLUMN balance   bigint GENERATED ALWAYS AS (credits_posted - debits_posted) STORED,
  ADD COLUMN available bigint GENERATED ALWAYS AS (credits_posted - debits_posted - debits_pending + overdraft_limit) STORED;

ALTER TABLE accounts DROP CONSTRAINT client_available_not_negative;
-- The last line of defence behind the guarded updates in ledger/journal.ts: whatever the
-- application does, a client account never goes below zero available.
ALTER TABLE accounts ADD CONSTRAINT client_available_not_negative CHECK (kind = 'internal' OR available >= 0);
