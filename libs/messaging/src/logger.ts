/** What the connection factories log through; a NestJS `Logger` with a context fits. */
export type { ConnectionLogger } from '@datawell/config';
