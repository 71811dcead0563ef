import type { ChannelAdapter, InboundSink, InboxConfig } from './channel-adapter.ts';
import { ADAPTERS, type AdapterContext } from './registry.ts';

interface Running {
  adapter: ChannelAdapter;
  version: number;
  abort: AbortController;
  receiving: boolean;
}

/**
 * Holds one adapter per inbox. An adapter is rebuilt when its inbox changes (settings, secret),
 * so every process (server or worker) sends with the inbox's current configuration.
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
    if (current && current.version === inbox.updatedAt.getTime()) return current.adapter;
    if (current) void this.#stopOne(inbox.id);
    const factory = ADAPTERS[inbox.kind];
    if (!factory) throw new Error(`No adapter for channel kind "${inbox.kind}"`);
    const running: Running = { adapter: factory(inbox, this.#context), version: inbox.updatedAt.getTime(), abort: new AbortController(), receiving: false };
    this.#running.set(inbox.id, running);
    return running.adapter;
  }

  /** An inbox was created or changed: rebuild its adapter and, if this process receives, start receiving. */
  async refresh(inbox: InboxConfig): Promise<void> {
    const adapter = this.adapterFor(inbox);
    if (this.#sink) await this.#receive(inbox, adapter);
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
