import { pino, type Logger } from 'pino';

/** Structured logs; anything that looks like a credential or ID number is redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'hub' },
    redact: {
      paths: ['req.headers.authorization', '*.token', '*.idNumber', '*.*.idNumber'],
      censor: '[redacted]',
    },
  });
}
