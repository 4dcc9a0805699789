-- Webhook endpoints and their deliveries (issue #23; docs/webhooks.md).
CREATE TABLE webhook_endpoints (
  id                          uuid PRIMARY KEY,
  seq                         bigserial NOT NULL UNIQUE,
  url                         text NOT NULL,
  description                 text,
  -- Exact types or prefixes with .* (domain/events.ts); empty: every type.
  event_types                 text[] NOT NULL,
  client_id                   uuid REFERENCES clients (id),
  -- deleted: kept (its deliveries too) until nothing refers to it, never shown again.
  status                      text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled', 'deleted')),
  disabled_reason             text,
  -- The signing secret, AES-256-GCM under WEBHOOK_SECRET_KEYS (domain/webhookSecrets.ts): a dump of
  -- the database does not hand it out. The previous one signs too until it expires (rotation).
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  -- The event log position up to which events were taken into this endpoint's deliveries.
  claimed_position            bigint NOT NULL,
  last_success_at             timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);

-- One row per endpoint and event: its delivery state. `seq` is the endpoint workflow's queue order;
-- every writer of an endpoint's deliveries first locks the endpoint's row, so `seq` grows in commit
-- order per endpoint and the workflow's cursor over it skips nothing.
CREATE TABLE webhook_deliveries (
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  seq              bigserial NOT NULL UNIQUE,
  event_type       text NOT NULL,
  aggregate_id     uuid NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         int NOT NULL DEFAULT 0,
  last_status_code int,
  last_error       text,
  next_attempt_at  timestamptz,
  delivered_at     timestamptz,
  -- Retries run for WEBHOOK_RETRY_WINDOW_MS from here (reset by a redelivery).
  pending_since    timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
