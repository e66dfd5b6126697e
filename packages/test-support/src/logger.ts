import type { Logger } from '@imagegate/findings';

/** A logger that keeps every line, for assertions. */
export class RecordingLogger implements Logger {
  readonly lines: { level: keyof Logger; message: string }[] = [];

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }

  warning(message: string): void {
    this.lines.push({ level: 'warning', message });
  }

  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }

  /** Every message, one per line. */
  text(): string {
    return this.lines
      .map((line) => `${line.level}: ${line.message}`)
      .join('\n');
  }
}
