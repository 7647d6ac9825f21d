/**
 * Runs `task` every `intervalMs`, never two at once, without keeping the process alive.
 * `task` reports its own failures. Answers a stop function that waits for a run in progress.
 */
export function every(intervalMs: number, task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .catch(() => undefined)
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
