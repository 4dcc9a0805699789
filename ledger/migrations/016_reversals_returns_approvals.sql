-- Back office corrections (issue #26): reversals of posted payments, returns of completed outgoing
-- transfers, and four-eyes approvals of manual money movements.

-- A reversal is a new entry pointing at the entry it reverses; the journal stays append-only.
ALTER TABLE journal_entries ADD COLUMN reversal_of uuid REFERENCES journal_entries (id);
CREATE INDEX journal_entries_by_reversal_of ON journal_entries (reversal_of) WHERE reversal_of IS NOT NULL;

-- How much of a payment has been reversed so far; Reversed once all of it is.
ALTER TABLE payments ADD COLUMN reversed_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_reversed_within_amount CHECK (reversed_amount >= 0 AND reversed_amount <= amount);
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('Draft', 'Pending', 'Posted', 'Cancelled', 'Reversed'));

-- A completed outgoing transfer the beneficiary's bank sent back: the provider's reference of the
-- return is unique, so a repeated report finds the return it already booked.
ALTER TABLE transfers ADD COLUMN return_reason text;
ALTER TABLE transfers ADD COLUMN returned_amount bigint CHECK (returned_amount > 0);
ALTER TABLE transfers ADD COLUMN return_provider_reference text UNIQUE;

-- Four eyes: an action at or above the threshold waits here for a second ops user. The approval
-- workflow (approval-<id>) owns the row; the API reads it.
CREATE TABLE approvals (
  id                uuid PRIMARY KEY,
  seq               bigserial NOT NULL UNIQUE,
  action            text NOT NULL CHECK (action IN ('payment.create', 'payment.reverse')),
  -- The action's input as requested (amounts in minor units, as strings).
  request           jsonb NOT NULL,
  requested_by_role text NOT NULL,
  requested_by_sub  text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  decided_by_role   text,
  decided_by_sub    text,
  decided_at        timestamptz,
  reject_reason     text,
  -- What the action did once approved: the payment it created or reversed, or the refusal.
  result            jsonb,
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approvals_by_status ON approvals (status, seq);
