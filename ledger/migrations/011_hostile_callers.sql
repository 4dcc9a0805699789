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

-- Account numbers are drawn at random (11 digits, no leading 0, plus the Luhn check digit) instead
-- of from a sequence, so they cannot be enumerated. The API draws them (domain/accountNumber.ts);
-- this default, for rows inserted without one, draws from gen_random_uuid's cryptographic source.
-- Numbers already issued keep their shape and stay valid.
CREATE OR REPLACE FUNCTION next_account_number() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  bits bigint;
  n text;
BEGIN
  LOOP
    -- The first 15 hex digits of a v4 UUID: 56 random bits (one nibble is the version).
    bits := ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 15))::bit(60)::bigint;
    n := (1 + bits % 9)::text || lpad(((bits / 9) % 10000000000)::text, 10, '0');
    EXIT WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE account_number = n || luhn_check_digit(n));
  END LOOP;
  RETURN n || luhn_check_digit(n);
END
$$;
