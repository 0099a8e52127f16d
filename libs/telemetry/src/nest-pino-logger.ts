import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

const STACK_LINE = /\n\s+at /;

/** NestJS `LoggerService` that writes through a Varde pino logger, so framework lines get the same fields and scrubbing. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  // Nest passes `(message, ...extras, context?)`, and for errors `(message, stack?, context?)`.
  private write(level: Level, message: unknown, optionalParams: unknown[]): void {
    const params = [...optionalParams];
    const last = params[params.length - 1];
    const context = typeof last === 'string' && !STACK_LINE.test(last) ? (params.pop() as string) : undefined;
    const stack = params.find((param): param is string => typeof param === 'string' && STACK_LINE.test(param));
    const extras = params.filter((param) => param !== stack);
    const fields: Record<string, unknown> = { context };
    if (stack) fields['stack'] = stack;
    if (extras.length > 0) fields['params'] = extras;

    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
