import { Readable } from 'node:stream';
import type { Api } from 'grammy';
import { AttachmentTooLarge, type AttachmentStore } from '../../src/store/attachment-store.ts';
import type { InboundAttachment } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { telegramError } from './telegram-errors.ts';

/** The Bot API hands out files up to 20 MB through getFile (https://core.telegram.org/bots/api#getfile). */
export const BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface TelegramFileRef {
  file_id: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
}

/** A file the customer sent that we could not keep: the message is stored anyway and says so. */
export interface SkippedFile {
  name: string;
  reason: string;
}

/**
 * Fetches customer files from Telegram into the attachment store: `getFile` gives a path, the file itself is
 * downloaded from `<apiRoot>/file/bot<token>/<path>` and streamed into the store, which enforces ATTACHMENT_MAX_BYTES.
 */
export class TelegramFiles {
  readonly #api: Api;
  readonly #apiRoot: string;
  readonly #token: string;
  readonly #store: AttachmentStore;
  readonly #timeoutMs: number;

  constructor(api: Api, options: { apiRoot: string; token: string; store: AttachmentStore; timeoutMs?: number }) {
    this.#api = api;
    this.#apiRoot = options.apiRoot.replace(/\/+$/, '');
    this.#token = options.token;
    this.#store = options.store;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /**
   * Keeps one file. Too large (for us or for the Bot API): a SkippedFile, not an error, since retrying cannot help.
   * Anything else (network, 5xx) throws a ChannelError, so the update is not acknowledged and comes again.
   */
  async fetch(file: TelegramFileRef, fallback: { name: string; contentType: string }): Promise<InboundAttachment | SkippedFile> {
    const name = file.file_name ?? fallback.name;
    const limit = Math.min(this.#store.maxBytes, BOT_API_DOWNLOAD_LIMIT);
    if (file.file_size !== undefined && file.file_size > limit) return { name, reason: `larger than the ${Math.round(limit / 1024 / 1024)} MB limit` };
    let path: string | undefined;
    try {
      path = (await this.#api.getFile(file.file_id)).file_path;
    } catch (error) {
      const failure = telegramError(error);
      // "file is too big": Telegram will not hand it out however often we ask.
      if (failure.code === 'REJECTED') return { name, reason: failure.message };
      throw failure;
    }
    if (!path) return { name, reason: 'Telegram gave no download path for it' };
    let response: Response;
    try {
      response = await fetch(`${this.#apiRoot}/file/bot${this.#token}/${path}`, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw new ChannelError('TEMPORARY', `Downloading a Telegram file failed: ${(cause as Error).message}`, { cause });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ChannelError(response.status >= 500 || response.status === 429 ? 'TEMPORARY' : 'REJECTED', `Downloading a Telegram file answered ${response.status}`);
    }
    try {
      const stored = await this.#store.save(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), {
        name: path.includes('/') && !file.file_name ? withExtension(name, path) : name,
        contentType: file.mime_type ?? fallback.contentType,
      });
      return { key: stored.key, name: stored.name, contentType: stored.contentType, size: stored.size };
    } catch (error) {
      if (error instanceof AttachmentTooLarge) return { name, reason: error.message };
      throw new ChannelError('TEMPORARY', `Storing a Telegram file failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Photos and voice notes come without a name: take the extension Telegram's path has (`photos/file_1.jpg`). */
function withExtension(name: string, path: string): string {
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(path)?.[1];
  return extension && !name.includes('.') ? `${name}.${extension}` : name;
}

export const isSkipped = (value: InboundAttachment | SkippedFile): value is SkippedFile => 'reason' in value;
