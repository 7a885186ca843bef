import { Session } from 'node:inspector';

/*
 * What the bench's CPU profilers (mpc-profile.ts, mpc-online-profile.ts, mpc-catalogue-profile.ts)
 * share: V8's sampling profiler started and stopped through the inspector, its profile as
 * Profiler.stop returns it, the self time per function, and `--name value` flags.
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

/** A connected inspector session with V8's sampling profiler running (one sample every 200 µs). */
export async function startProfiler(): Promise<Session> {
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(s, 'Profiler.start');
  return s;
}

/** Stops the profiler of `startProfiler` and returns its profile. */
export async function stopProfiler(s: Session): Promise<Profile> {
  return (await post<{ profile: Profile }>(s, 'Profiler.stop')).profile;
}

/** Self time per function (name, file below libs/, bench/ or node_modules/, line), as lines of `share%  function`, the `top` largest first. */
export function selfTimes(profile: Profile, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(libs|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}
