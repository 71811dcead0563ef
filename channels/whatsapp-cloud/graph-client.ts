import { retryAfterMs } from '../api/api.adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { graphError, type GraphError } from './graph-errors.ts';
import type { WhatsAppCloudSettings } from './whatsapp-cloud-settings.ts';

/** A thin Graph API client: bearer auth, a timeout, and every failure turned into a ChannelError. */
export class GraphClient {
  readonly #settings: WhatsAppCloudSettings;
  readonly #timeoutMs: number;

  constructor(settings: WhatsAppCloudSettings, timeoutMs: number) {
    this.#settings = settings;
    this.#timeoutMs = timeoutMs;
  }

  /** `path` is relative to the versioned base (`123/messages`); an absolute URL (a media download) is used as is. */
  async request(path: string, init: { method?: string; json?: unknown; form?: FormData } = {}): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.#settings.graphApiUrl}/${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#settings.accessToken}` };
    let body: string | FormData | undefined = init.form;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let response: Response;
    try {
      response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw new ChannelError('TEMPORARY', `The WhatsApp Graph API did not answer: ${(cause as Error).message}`, { cause });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let error: GraphError | undefined;
    try {
      error = (JSON.parse(text) as { error?: GraphError }).error;
    } catch {
      error = text ? { message: text.slice(0, 200) } : undefined;
    }
    throw graphError(response.status, error, retryAfterMs(response.headers.get('retry-after')));
  }

  async json<T>(path: string, init: { method?: string; json?: unknown; form?: FormData } = {}): Promise<T> {
    const response = await this.request(path, init);
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new ChannelError('TEMPORARY', 'The WhatsApp Graph API answered with something that is not JSON', { cause });
    }
  }
}
