import { CorebankApiError } from '../client';
import { UsageError } from './args';
import { apiUrl } from './connection';
import { DAILY_CHECK_USAGE, dailyCheckCommand } from './dailyCheck';
import { printError, printJson } from './output';
import { TOKEN_USAGE, tokenCommand } from './token';
import { assignCommand, continueCommand, executeCommand, returnCommand, showCommand, stuckCommand, TRANSFER_USAGE } from './transfers';

/**
 * `npx corebank <command>` (bin/corebank.js): the ops CLI over the API with the typed client.
 * Exit codes: 0 done, 1 the API answered an error (its code is printed) or could not be reached,
 * 2 a usage mistake, 3 a daily check that did not pass.
 */

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  stuck: { run: stuckCommand, usage: TRANSFER_USAGE.stuck },
  show: { run: showCommand, usage: TRANSFER_USAGE.show },
  continue: { run: continueCommand, usage: TRANSFER_USAGE.continue },
  execute: { run: executeCommand, usage: TRANSFER_USAGE.execute },
  assign: { run: assignCommand, usage: TRANSFER_USAGE.assign },
  return: { run: returnCommand, usage: TRANSFER_USAGE.return },
  'daily-check': { run: dailyCheckCommand, usage: DAILY_CHECK_USAGE },
  token: { run: tokenCommand, usage: TOKEN_USAGE },
};

const USAGE = `usage: corebank <command> [options]

${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n\n')}

The API is COREBANK_API_URL (default http://127.0.0.1:3000), called with COREBANK_TOKEN; without it
the CLI mints an ops token with the local JWT secret (as \`corebank token --role ops\` does).
Exit codes: 0 done, 1 API error (its code is printed) or API unreachable, 2 usage, 3 daily check not passed.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? printError : console.log)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    printError(`unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return failed(error, command.usage, rest.includes('--json'));
  }
}

function failed(error: unknown, usage: string, asJson: boolean): number {
  if (error instanceof UsageError) {
    printError(`${error.message}\n\nusage: ${usage}`);
    return 2;
  }
  if (error instanceof CorebankApiError) {
    if (asJson) printJson({ status: error.status, code: error.code, message: error.message, errors: error.errors });
    else printError(`error: ${error.code} (HTTP ${error.status}): ${error.message}`);
    if (error.status === 401 && !process.env.COREBANK_TOKEN) {
      printError('hint: COREBANK_TOKEN is unset, so the CLI signed an ops token with the local JWT secret; this API does not accept it');
    }
    return 1;
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    printError(`error: cannot reach the API at ${apiUrl()}: ${cause?.code ?? cause?.message ?? error.message}`);
    return 1;
  }
  printError(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}
