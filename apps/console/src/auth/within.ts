/**
 * `work`'s answer, or `late()`'s if `work` has not settled within `ms` (work goes on unheard). For a
 * sign-in's token at one more service: one that takes the connection and never answers must not hold
 * the whole sign-in.
 */
export async function within<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
