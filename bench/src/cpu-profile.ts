import type { Session } from 'node:inspector';

/*
 * What the bench's CPU profilers (mpc-profile.ts, mpc-online-profile.ts) share: V8's profile as the
 * inspector's Profiler.stop returns it, the inspector call as a promise, and `--name value` flags.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The value of `--<name>` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** An inspector method's answer. */
export function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r as T))));
}
