import { Worker } from 'node:worker_threads';

/** A worker thread answering `{ id, ...command }` messages with `{ id, result | error }`: the load generator, the HTTP peer. */
export function thread<C extends object>(url: URL) {
  const worker = new Worker(url);
  let nextId = 0;
  const calls = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  worker.on('message', ({ id, result, error }) => {
    const call = calls.get(id)!;
    calls.delete(id);
    if (error) call.reject(new Error(error));
    else call.resolve(result);
  });
  worker.on('error', (error) => {
    for (const call of calls.values()) call.reject(error);
  });
  return {
    run<T>(command: C): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        calls.set(id, { resolve, reject });
        worker.postMessage({ id, command, ...command });
      });
    },
    terminate: () => worker.terminate(),
  };
}
