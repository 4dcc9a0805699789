/** The named consistency checks (docs/operations.md, "The checks"). Pure names: the workflows import them. */

/** Checks run once each by the daily check. */
export const SINGLE_CHECKS = [
  'currency_sums_zero',
  'no_client_below_zero',
  'holds_resolved_once',
  'no_stranded_holds',
  'snapshots_chain',
  'settlement_matches_provider',
] as const;
export type SingleCheck = (typeof SINGLE_CHECKS)[number];

/** Stored counters against the journal, over every account in batches (also the AccountBalanceCheckJob). */
export const COUNTERS_CHECK = 'counters_match_journal';

export const ALL_CHECKS = [...SINGLE_CHECKS, COUNTERS_CHECK] as const;

/** The type of the ApplicationFailure a failed check run ends its workflow with. */
export const CHECK_FAILED = 'LEDGER_CHECK_FAILED';
