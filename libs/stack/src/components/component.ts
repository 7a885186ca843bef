import type { Progress } from '../progress';
import type { StackSettings } from '../settings';

export interface StackContext {
  readonly settings: StackSettings;
  readonly progress: Progress;
}

export interface ComponentHealth {
  readonly name: string;
  readonly healthy: boolean;
  readonly pid?: number;
  /** Where it listens, e.g. 127.0.0.1:25432 */
  readonly endpoint?: string;
  readonly detail: string;
}

/** One natively running part of the stack (a process or a group of processes). */
export interface Component {
  readonly name: string;
  /** Starts it if not running and waits until healthy; a no-op when already healthy. */
  start(ctx: StackContext): Promise<void>;
  stop(ctx: StackContext): Promise<void>;
  health(ctx: StackContext): Promise<ComponentHealth[]>;
  /** Log files by process name. */
  logs(ctx: StackContext): Record<string, string>;
}
