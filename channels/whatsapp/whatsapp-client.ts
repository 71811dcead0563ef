import { join } from 'node:path';

/** The parts of a whatsapp-web.js `Message` the channel reads (https://docs.wwebjs.dev/Message.html). */
export interface WebMessage {
  id: { _serialized: string; fromMe: boolean; remote?: string };
  from: string;
  to: string;
  /** In a group: who wrote it. */
  author?: string;
  body: string;
  type: string;
  timestamp: number;
  fromMe: boolean;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  isStatus: boolean;
  broadcast: boolean;
  location?: { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string };
  vCards: string[];
  _data?: { notifyName?: string };
  downloadMedia(): Promise<{ mimetype: string; data: string; filename?: string | null; filesize?: number | null } | undefined>;
  getQuotedMessage(): Promise<{ id: { _serialized: string } } | undefined>;
  getContact(): Promise<{ number?: string; pushname?: string; name?: string }>;
}

/**
 * The narrow boundary to whatsapp-web.js's `Client`: its events (`qr`, `authenticated`, `auth_failure`, `ready`,
 * `disconnected`, `message`, `message_ack`) and the calls we make. Tests put a fake here; production the real Client.
 */
export interface WebClient {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(chatId: string, content: unknown, options?: Record<string, unknown>): Promise<{ id: { _serialized: string } }>;
  getNumberId(number: string): Promise<{ _serialized: string } | null>;
}

export interface WebClientOptions {
  /** One session folder per inbox (LocalAuth clientId). */
  clientId: string;
  /** Where LocalAuth keeps sessions: under DATA_DIR, so a restart needs no new QR. */
  dataPath: string;
  chromePath: string;
}

/** Makes clients and media objects; the real one loads whatsapp-web.js (and puppeteer) only when first used. */
export interface WebClientFactory {
  create(options: WebClientOptions): Promise<WebClient>;
  /** A `MessageMedia` for sendMessage: base64 data with its type and name. */
  media(mimetype: string, base64: string, filename: string): Promise<unknown>;
}

export const sessionPath = (dataDir: string) => join(dataDir, 'whatsapp-sessions');

/** whatsapp-web.js with Debian's Chromium; puppeteer never downloads a browser of its own. */
export const realWebClientFactory: WebClientFactory = {
  async create({ clientId, dataPath, chromePath }) {
    const { default: wweb } = await import('whatsapp-web.js');
    return new wweb.Client({
      authStrategy: new wweb.LocalAuth({ clientId, dataPath }),
      puppeteer: { executablePath: chromePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] },
    }) as unknown as WebClient;
  },
  async media(mimetype, base64, filename) {
    const { default: wweb } = await import('whatsapp-web.js');
    return new wweb.MessageMedia(mimetype, base64, filename);
  },
};
