-- Ops releases of holds stranded on a finished payment or transfer (a repair, audited).
CREATE TABLE hold_releases (
  -- The pending entry released: each is released at most once.
  pending_id   uuid PRIMARY KEY REFERENCES journal_entries (id),
  void_id      uuid NOT NULL UNIQUE REFERENCES journal_entries (id),
  payment_id   uuid,
  transfer_id  uuid,
  actor        text NOT NULL,
  note         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
