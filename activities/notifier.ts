import type { Sql } from '../ledger/db';
import { insertNotification } from '../store/notifications';
import type { Notifier } from '../usecases/ports';

/** Stores each message (GET /internal/Notifications shows them, local profile only) and logs it. */
export function createLocalNotifier(sql: Sql, log: (line: string) => void = () => {}): Notifier {
  return {
    async send(n) {
      await insertNotification(sql, n);
      log(`notification to client ${n.clientId} (${n.channel}): ${n.subject}`);
    },
  };
}
