// Error classes shared by the scripts, and the one place that turns them into exit codes.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** A bad flag, a missing file argument or a missing tool: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A check failed (invalid values, stale or drifted files): exit code 1. */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailedError';
  }
}

/** One line for stderr: the command, then what went wrong. */
export function formatError(command: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${command}: ${message}`;
}

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Runs a command's main and maps its errors to exit codes (2 usage, 1 anything else). */
export function runMain(command: string, main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      console.error(formatError(command, error));
      process.exitCode = error instanceof UsageError ? 2 : 1;
    });
}
