import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger; components take `logger.child({ component })`. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime });
}
