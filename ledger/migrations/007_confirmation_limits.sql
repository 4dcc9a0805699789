-- One-time codes: at most 3 resends, 30 s apart. last_send_id makes a retried send (an activity
-- that ran twice) re-issue the same send instead of counting as another resend.
ALTER TABLE confirmations
  ADD COLUMN resends      int NOT NULL DEFAULT 0,
  ADD COLUMN last_sent_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN last_send_id text;

-- Writes per caller and minute, shared by every API process.
CREATE TABLE rate_limit_windows (
  scope        text NOT NULL,
  window_start timestamptz NOT NULL,
  count        int NOT NULL,
  PRIMARY KEY (scope, window_start)
);
