/** Progress of long stack steps, one line each on stderr so stdout stays free for --json output. */
export interface Progress {
  step(component: string, message: string): void;
}

export const stderrProgress: Progress = {
  step(component, message) {
    const t = new Date().toISOString().slice(11, 19);
    process.stderr.write(`[${t}] ${component}: ${message}\n`);
  },
};

export const silentProgress: Progress = { step: () => undefined };

/** Reports "still working" every interval while a long promise runs. */
export async function withHeartbeat<T>(progress: Progress, component: string, what: string, work: Promise<T>, everyMs = 20000): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => {
    progress.step(component, `${what} (${Math.round((Date.now() - started) / 1000)} s so far)`);
  }, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
