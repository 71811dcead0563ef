import { EventEmitter } from 'node:events';
import type { WebClient, WebClientFactory, WebClientOptions, WebMessage } from '../../channels/whatsapp/whatsapp-client.ts';

let seq = 0;

/**
 * A stand-in for whatsapp-web.js's `Client` at the narrowest boundary: the same events and calls, driven by the test.
 * WhatsApp itself cannot be reached from here, so this is the one mock of the channel.
 */
export class FakeWebClient extends EventEmitter implements WebClient {
  readonly options: WebClientOptions;
  readonly sent: { chatId: string; content: unknown; options?: Record<string, unknown> }[] = [];
  /** Numbers that are on WhatsApp (getNumberId answers null for any other). */
  readonly registered = new Set<string>();
  destroyed = false;
  /** What initialize does: by default the saved session is restored (authenticated, ready). */
  onInitialize: (client: FakeWebClient) => void | Promise<void> = (client) => {
    client.emit('authenticated');
    client.emit('ready');
  };
  /** The next sendMessage throws this. */
  failNextSend?: Error;

  constructor(options: WebClientOptions) {
    super();
    this.options = options;
  }

  async initialize(): Promise<void> {
    await this.onInitialize(this);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }

  async getNumberId(number: string): Promise<{ _serialized: string } | null> {
    return this.registered.has(number) ? { _serialized: `${number}@c.us` } : null;
  }

  async sendMessage(chatId: string, content: unknown, options?: Record<string, unknown>): Promise<{ id: { _serialized: string } }> {
    const failure = this.failNextSend;
    this.failNextSend = undefined;
    if (failure) throw failure;
    this.sent.push({ chatId, content, options });
    return { id: { _serialized: `true_${chatId}_3EB0${String(++seq).padStart(16, '0')}` } };
  }
}

/** A factory handing out fake clients; each restart of the adapter gets a new one, as with the real Client. */
export function fakeWebClientFactory(setup: (client: FakeWebClient) => void = () => {}) {
  const clients: FakeWebClient[] = [];
  const factory: WebClientFactory = {
    async create(options) {
      const client = new FakeWebClient(options);
      setup(client);
      clients.push(client);
      return client;
    },
    async media(mimetype, data, filename) {
      return { mimetype, data, filename };
    },
  };
  return { factory, clients, latest: () => clients.at(-1)! };
}

/**
 * A message shaped like whatsapp-web.js's `Message` (its serialised fields as the library sets them), with its
 * methods answering from `extra`: media to download, the quoted message, the sender's contact.
 */
export function webMessage(fields: Partial<WebMessage> & { from: string }, extra: { media?: { mimetype: string; data: string; filename?: string | null }; quotedId?: string; contact?: { number?: string; pushname?: string } } = {}): WebMessage {
  const fromMe = fields.fromMe ?? false;
  const idPart = `3EB0C767D26A1D6E${String(++seq).padStart(4, '0')}`;
  return {
    id: { fromMe, remote: fields.from, _serialized: `${fromMe}_${fields.from}_${idPart}` },
    to: '4930555000@c.us',
    body: '',
    type: 'chat',
    timestamp: 1764000000,
    fromMe,
    hasMedia: !!extra.media,
    hasQuotedMsg: !!extra.quotedId,
    isStatus: false,
    broadcast: false,
    vCards: [],
    _data: { notifyName: 'Grace' },
    downloadMedia: async () => (extra.media ? { ...extra.media, filesize: null } : undefined),
    getQuotedMessage: async () => (extra.quotedId ? { id: { _serialized: extra.quotedId } } : undefined),
    getContact: async () => ({ number: fields.from.split('@')[0], pushname: 'Grace', ...extra.contact }),
    ...fields,
  } as WebMessage;
}
