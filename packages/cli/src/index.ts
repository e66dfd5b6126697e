export { runCli, EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_PASSED } from './cli';
export type { CliIo } from './io';
