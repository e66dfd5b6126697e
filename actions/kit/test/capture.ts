import {
  parseWorkflowCommands,
  type WorkflowCommand,
} from '@imagegate/test-support';
import { vi } from 'vitest';

/** What a block of action code printed, and the commands in it. */
export interface Captured {
  stdout: string;
  commands: WorkflowCommand[];
}

/**
 * Runs `act` with stdout captured and `process.exitCode` restored, so
 * `core.setFailed` cannot fail the test run itself.
 */
export async function capture(
  act: () => unknown,
): Promise<Captured & { exitCode: typeof process.exitCode }> {
  const chunks: string[] = [];
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
  const before = process.exitCode;
  try {
    await act();
    return {
      stdout: chunks.join(''),
      commands: parseWorkflowCommands(chunks.join('')),
      exitCode: process.exitCode,
    };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}
