import type { ChannelAdapter, ChannelKind, InboxConfig } from './channel-adapter.ts';
import { ApiAdapter } from './api/api.adapter.ts';
import { TestAdapter } from './test/test.adapter.ts';

/** What every adapter factory may use; grows as channels need more (attachment store, public URL…). */
export interface AdapterContext {
  callbackTimeoutMs: number;
}

export type AdapterFactory = (inbox: InboxConfig, context: AdapterContext) => ChannelAdapter;

/** Adding a channel: one folder, one line here. */
export const ADAPTERS: Partial<Record<ChannelKind, AdapterFactory>> = {
  api: (inbox, context) => new ApiAdapter(inbox, { timeoutMs: context.callbackTimeoutMs }),
  test: (inbox) => new TestAdapter(inbox),
};

export const SUPPORTED_KINDS = Object.keys(ADAPTERS) as ChannelKind[];
