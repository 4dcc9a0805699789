/**
 * Every workflow patch id in use since the 1.0.0 baseline, in one place (docs/changing-workflows.md).
 *
 * A change that makes a workflow issue other commands than a recorded history of the released
 * code is guarded by `patched(PATCHES.<NAME>.id)`; the runs that started before the deploy replay
 * the old branch, the new ones take the new branch. Each entry says when it was added, why, and
 * from when the guard can become `deprecatePatch(PATCHES.<NAME>.id)` (no run of the old code is
 * open any more) and later be removed with its entry (no run carries the marker any more). An id
 * is never reused, not even after its entry is gone: an old history could still carry its marker.
 *
 * test/unit/patches.test.ts fails on a `patched(` or `deprecatePatch(` call in workflows/ whose id
 * is not an entry here. Empty at 1.0.0: nothing had been deployed before, so the baseline carries
 * no patch.
 */
export interface WorkflowPatch {
  /** The marker's id, kebab-case: what `patched()` and `deprecatePatch()` are called with. */
  id: string;
  /** The day the patch was merged (YYYY-MM-DD). */
  added: string;
  /** What changed in the workflow's commands, and why. */
  reason: string;
  /**
   * When `patched()` may become `deprecatePatch()`: once every run started before the first release
   * with the patch has ended (name the longest such run: a transfer's confirmation window, a
   * payment's hold, a Stuck transfer waiting for ops, ...).
   */
  deprecateWhen: string;
  /** Where the patch stands: `patched` (both branches in the code) or `deprecated` (only the new one). */
  stage: 'patched' | 'deprecated';
}

export const PATCHES = {} as const satisfies Record<string, WorkflowPatch>;

export type PatchName = keyof typeof PATCHES;
