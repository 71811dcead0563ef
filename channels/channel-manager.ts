import type { ChannelAdapter, InboundSink, InboxConfig } from './channel-adapter.ts';
import { ADAPTERS, type AdapterContext } from './registry.ts';

interface Running {
  inbox: InboxConfig;
  adapter: ChannelAdapter;
  version: string;
  abort: AbortController;
  receiving: boolean;
  /** A single receiver's lease renewal, or its next try to take the lease. */
  timer?: NodeJS.Timeout;
  /** The stop of the adapter this one replaced: it must let go of the inbox's lease first. */
  replacing?: Promise<void>;
}

/**
 * Who holds what among all server processes (Redis in production). A lease expires by itself when its
 * holder stops renewing it, so a crashed process's inboxes are taken over by another.
 */
export interface Leases {
  acquire(key: string, ttlMs: number): Promise<boolean>;
  /** False when the lease is no longer ours (it expired and another process may hold it). */
  renew(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

/** How long a single receiver's lease lasts unrenewed: about the longest an inbox goes unreceived after its process dies. */
const LEASE_TTL_MS = 15_000;
const leaseKey = (inboxId: number) => `receiver:${inboxId}`;

/** What an adapter is built from: a change here (not a new member or name) rebuilds it. */
const versionOf = (inbox: InboxConfig) => JSON.stringify([inbox.kind, inbox.settings, inbox.credentials, inbox.secret]);

/**
 * Holds one adapter per inbox. An adapter is rebuilt when its channel configuration changes
 * (settings, credentials, secret), so every process (server or worker) sends with the current one.
 * Adapters that keep a connection to receive (`singleReceiver`) receive in one process at a time,
 * the one holding the inbox's lease; the others keep trying, to take over when it dies.
 */
export class ChannelManager {
  readonly #running = new Map<number, Running>();
  readonly #context: AdapterContext;
  readonly #leases?: Leases;
  readonly #leaseTtlMs: number;
  #sink?: InboundSink;

  constructor(context: AdapterContext, leases?: Leases, options: { leaseTtlMs?: number } = {}) {
    this.#context = context;
    this.#leases = leases;
    this.#leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
  }

  /** Starts receiving on these inboxes; later `refresh` calls start receiving on new ones too. */
  async start(inboxes: InboxConfig[], sink: InboundSink): Promise<void> {
    this.#sink = sink;
    for (const inbox of inboxes) await this.#receive(inbox);
  }

  /** The adapter to send with, current for this inbox version. */
  adapterFor(inbox: InboxConfig): ChannelAdapter {
    const current = this.#running.get(inbox.id);
    if (current && current.version === versionOf(inbox)) return current.adapter;
    const replacing = current ? this.#stopOne(inbox.id) : undefined;
    const factory = ADAPTERS[inbox.kind];
    if (!factory) throw new Error(`No adapter for channel kind "${inbox.kind}"`);
    const running: Running = { inbox, adapter: factory(inbox, this.#context), version: versionOf(inbox), abort: new AbortController(), receiving: false, replacing };
    this.#running.set(inbox.id, running);
    return running.adapter;
  }

  /** An inbox was created or changed: rebuild its adapter and, if this process receives, start receiving. */
  async refresh(inbox: InboxConfig): Promise<void> {
    const adapter = this.adapterFor(inbox);
    if (this.#sink) await this.#receive(inbox, adapter);
  }

  /** The inbox's adapter, receiving (for webhooks arriving at a process that has not started it yet). */
  async receiving(inbox: InboxConfig): Promise<ChannelAdapter> {
    const adapter = this.adapterFor(inbox);
    await this.#receive(inbox, adapter);
    return adapter;
  }

  /** A throwaway adapter for checking credentials before an inbox is saved. */
  probe(inbox: InboxConfig): ChannelAdapter {
    const factory = ADAPTERS[inbox.kind];
    if (!factory) throw new Error(`No adapter for channel kind "${inbox.kind}"`);
    return factory(inbox, this.#context);
  }

  /** The running adapter of an inbox, if this process has one. */
  running(inboxId: number): ChannelAdapter | undefined {
    return this.#running.get(inboxId)?.adapter;
  }

  async remove(inboxId: number): Promise<void> {
    await this.#stopOne(inboxId);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((id) => this.#stopOne(id)));
  }

  async #receive(inbox: InboxConfig, adapter = this.adapterFor(inbox)): Promise<void> {
    const running = this.#running.get(inbox.id);
    if (!running || running.receiving || !this.#sink) return;
    running.receiving = true;
    if (adapter.singleReceiver && this.#leases) await this.#contend(running, this.#leases, this.#sink);
    else await adapter.start(this.#sink, running.abort.signal);
  }

  /** Takes the inbox's lease and receives while it holds it; otherwise tries again before the holder's lease could lapse. */
  async #contend(running: Running, leases: Leases, sink: InboundSink): Promise<void> {
    const key = leaseKey(running.inbox.id);
    await running.replacing?.catch(() => {});
    if (running.abort.signal.aborted) return;
    const held = await leases.acquire(key, this.#leaseTtlMs).catch(() => false);
    if (running.abort.signal.aborted) {
      if (held) await leases.release(key).catch(() => {});
      return;
    }
    if (!held) {
      running.timer = setTimeout(() => void this.#contend(running, leases, sink), this.#leaseTtlMs / 2).unref();
      return;
    }
    running.timer = setInterval(() => void this.#renew(running, leases), this.#leaseTtlMs / 3).unref();
    await running.adapter.start(sink, running.abort.signal);
  }

  async #renew(running: Running, leases: Leases): Promise<void> {
    // An unreachable Redis is not a lost lease: nobody else can take it meanwhile either.
    const ours = await leases.renew(leaseKey(running.inbox.id), this.#leaseTtlMs).catch(() => true);
    if (ours || this.#running.get(running.inbox.id) !== running) return;
    // Another process may be receiving now: stop ours and queue up for the lease again.
    await this.#stopOne(running.inbox.id);
    await this.#receive(running.inbox);
  }

  async #stopOne(inboxId: number): Promise<void> {
    const running = this.#running.get(inboxId);
    if (!running) return;
    this.#running.delete(inboxId);
    running.abort.abort();
    clearTimeout(running.timer);
    clearInterval(running.timer);
    await running.adapter.stop();
    if (running.adapter.singleReceiver) await this.#leases?.release(leaseKey(inboxId)).catch(() => {});
  }
}
