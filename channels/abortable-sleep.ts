/**
 * Waits `ms`, or less when the signal aborts: reconnect and polling loops back off with it and still stop at once
 * on shutdown. Unlike `timers/promises`' setTimeout it resolves on abort, so a loop needs no try/catch to end.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
