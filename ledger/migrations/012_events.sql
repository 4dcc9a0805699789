-- Events (issue #23): every change writes its event in the transaction of the change (an outbox),
-- so a rolled back change has no event and a committed one always has it.
--
-- Two orders:
-- * per aggregate: `aggregate_seq` counts 1, 2, 3... per (aggregate_type, aggregate_id), from a
--   counter row in event_aggregates that the writing transaction locks until it commits; two
--   changes of one aggregate therefore commit one after the other, numbered in that order. The
--   counter is never deleted (retention deletes events, not counters), so numbers never repeat.
-- * global: `position`, the cursor of GET /internal/Events and of webhook delivery. It is NOT taken
--   at insert: a sequence value taken at insert commits in any order (transaction A takes 7,
--   transaction B takes 8 and commits first; a reader that saw 8 and moved its cursor past it
--   would never see 7). Instead a writer leaves it NULL and the sequencer (ledger/events.ts
--   sequenceEvents) numbers committed rows later, one sequencer at a time: it locks the one row of
--   event_log_head until its transaction commits, and numbers from that row's position up. Every
--   number it hands out is larger than any number committed before, and all numbers of one run
--   become visible together at its commit, so a reader paging by `position > cursor` never skips
--   a row. It numbers rows in insert order (`seq`), and an
--   aggregate's later event is inserted only after its earlier one committed (the counter lock),
--   so `position` keeps each aggregate's order too.
CREATE TABLE event_aggregates (
  aggregate_type text NOT NULL,
  aggregate_id   uuid NOT NULL,
  last_seq       bigint NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id)
);

-- The last position handed out; its row lock makes the sequencer one at a time.
CREATE TABLE event_log_head (
  one      boolean PRIMARY KEY DEFAULT true CHECK (one),
  position bigint NOT NULL
);
INSERT INTO event_log_head (position) VALUES (0);

CREATE TABLE events (
  id             uuid PRIMARY KEY,
  -- Insert order; only the sequencer reads it.
  seq            bigserial NOT NULL UNIQUE,
  -- Commit order, assigned after commit by the sequencer; NULL until then.
  position       bigint UNIQUE,
  type           text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
  aggregate_type text NOT NULL,
  aggregate_id   uuid NOT NULL,
  aggregate_seq  bigint NOT NULL CHECK (aggregate_seq > 0),
  client_id      uuid,
  data           jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (aggregate_type, aggregate_id, aggregate_seq)
);

-- The sequencer's work list: small, since rows leave it as soon as anyone reads the log.
CREATE INDEX events_unsequenced ON events (seq) WHERE position IS NULL;
CREATE INDEX events_type_position ON events (type, position);
CREATE INDEX events_client_position ON events (client_id, position) WHERE client_id IS NOT NULL;
CREATE INDEX events_aggregate_position ON events (aggregate_id, position);
-- Retention deletes by age.
CREATE INDEX events_created_at ON events (created_at);
