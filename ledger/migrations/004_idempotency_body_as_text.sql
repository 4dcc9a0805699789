-- A replayed response must be the first response byte for byte; jsonb reorders keys.
ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE text USING response_body::text;
