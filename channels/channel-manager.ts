import type { ChannelAdapter, InboundSink, InboxConfig } from './channel-adapter.ts';
import { ADAPTERS, type AdapterContext } from './registry.ts';

interface Running {
  adapter: ChannelAdapter;
  version: string;
  abort: AbortController;
  receiving: boolean;
}

/** What an adapter is built from: a change here (not a new member or name) rebuilds it. */
const versionOf = (inbox: InboxConfig) => JSON.stringify([inbox.kind, inbox.settings, inbox.credentials, inbox.secret]);

/**
 * Holds one adapter per inbox. An adapter is rebuilt when its channel configuration changes
 * (settings, credentials, secret), so every process (server or worker) sends with the current one.
 */
export class ChannelManager {
  readonly #running = new Map<number, Running>();
  readonly #context: AdapterContext;
  #sink?: InboundSink;

  constructor(context: AdapterContext) {
    this.#context = context;
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
    if (current) void this.#stopOne(inbox.id);
    const factory = ADAPTERS[inbox.kind];
    if (!factory) throw new Error(`No adapter for channel kind "${inbox.kind}"`);
    const running: Running = { adapter: factory(inbox, this.#context), version: versionOf(inbox), abort: new AbortController(), receiving: false };
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
    await adapter.start(this.#sink, running.abort.signal);
  }

  async #stopOne(inboxId: number): Promise<void> {
    const running = this.#running.get(inboxId);
    if (!running) return;
    this.#running.delete(inboxId);
    running.abort.abort();
    await running.adapter.stop();
  }
}
