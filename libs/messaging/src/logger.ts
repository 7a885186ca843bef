/** What the connection factories log through; a NestJS `Logger` with a context fits. */
export interface ConnectionLogger {
  error(message: unknown): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
}
