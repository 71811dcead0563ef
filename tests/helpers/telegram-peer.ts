import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import { createRequire } from 'node:module';
import type { TelegramServer as TelegramServerType } from 'telegram-test-api/lib/telegramServer.js';
import { freePort } from './free-port.ts';

// The package is CommonJS with `module.exports = TelegramServer`; its types declare an ES default, so load it plainly.
const { TelegramServer } = createRequire(import.meta.url)('telegram-test-api/lib/telegramServer.js') as { TelegramServer: typeof TelegramServerType };
type TelegramServer = TelegramServerType;

/** What the bot sent, in order, whichever method it used. */
export interface BotSend {
  method: string;
  chatId: string;
  text?: string;
  caption?: string;
  file?: { name: string; type: string; bytes: Buffer } | string;
  replyTo?: number;
  parseMode?: string;
  messageId: number;
}

interface Failure {
  status: number;
  description: string;
  parameters?: Record<string, unknown>;
}

const FAILURES = {
  'rate-limited': (retryAfter = 1): Failure => ({ status: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }),
  blocked: (): Failure => ({ status: 403, description: 'Forbidden: bot was blocked by the user' }),
  'chat-not-found': (): Failure => ({ status: 400, description: 'Bad Request: chat not found' }),
  'server-error': (): Failure => ({ status: 502, description: 'Bad Gateway' }),
} as const;
export type FailureKind = keyof typeof FAILURES;

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/**
 * A local Telegram: `telegram-test-api` (a Bot API server with fake users: getMe, sendMessage, getUpdates,
 * setWebhook…) behind a small node:http front that adds what it lacks, as Telegram does it:
 * bad tokens (401), webhook calls carrying `X-Telegram-Bot-Api-Secret-Token`, long polls that wait and honour
 * `offset`, getFile and file downloads, sendPhoto/sendDocument (multipart), sendChatAction, edited messages, and
 * injected failures (429 with retry_after, 403 blocked, 400 chat not found, 502).
 * grammY talks to `apiRoot`; fake users write through `user(token)` or `deliver(token, update)`.
 */
export class TelegramPeer {
  readonly server: TelegramServer;
  readonly #front: Server;
  readonly apiRoot: string;
  /** Tokens this Telegram knows; any other gets 401 Unauthorized, like a revoked or mistyped token. */
  readonly #tokens = new Set<string>();
  readonly webhooks = new Map<string, { url: string; secretToken?: string }>();
  readonly sent = new Map<string, BotSend[]>();
  readonly chatActions: { token: string; chatId: string; action: string }[] = [];
  readonly #files = new Map<string, { path: string; bytes: Buffer }>();
  /** Updates we make ourselves (edits, media…), kept until a poll confirms them with a higher offset. */
  readonly #pending = new Map<string, Update[]>();
  readonly #failNext = new Map<string, (Failure | null)[]>();
  #updateId = 1_000_000;
  #messageId = 1_000_000;

  private constructor(server: TelegramServer, front: Server, apiRoot: string) {
    this.server = server;
    this.#front = front;
    this.apiRoot = apiRoot;
  }

  static async start(): Promise<TelegramPeer> {
    const server = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
    await server.start();
    let peer!: TelegramPeer;
    const front = createServer((request, response) => void peer.#route(request, response).catch((error: unknown) => json(response, 500, { ok: false, error_code: 500, description: String(error) })));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    peer = new TelegramPeer(server, front, `http://127.0.0.1:${(front.address() as AddressInfo).port}`);
    return peer;
  }

  /** A new bot this Telegram knows. */
  newBot(): string {
    const token = `${100000 + Math.floor(Math.random() * 900000)}:AA${randomBytes(12).toString('hex')}`;
    this.#tokens.add(token);
    return token;
  }

  /** A fake customer of a bot (telegram-test-api's client): `user.sendMessage(user.makeMessage('hi'))`. */
  user(token: string, options: { userId?: number; chatId?: number; firstName?: string; userName?: string } = {}) {
    return this.server.getClient(token, { timeout: 5000, ...options });
  }

  /** The next call of `method` (or the one after `afterCalls` successful ones) fails this way, once per call to this. */
  failNext(method: string, kind: FailureKind, retryAfter?: number, { afterCalls = 0 } = {}): void {
    const failure = kind === 'rate-limited' ? FAILURES[kind](retryAfter) : FAILURES[kind]();
    this.#failNext.set(method, [...(this.#failNext.get(method) ?? []), ...Array<null>(afterCalls).fill(null), failure]);
  }

  /** A file a customer sends: it can then be fetched with getFile and downloaded. */
  addFile(bytes: Buffer, path: string): { file_id: string; file_unique_id: string; file_size: number } {
    const id = `file-${randomBytes(6).toString('hex')}`;
    this.#files.set(id, { path, bytes });
    return { file_id: id, file_unique_id: `u${id}`, file_size: bytes.length };
  }

  /** A message a customer writes, with what telegram-test-api cannot make (photos, contacts, edits): by webhook if one is set, else for the next poll. */
  async deliver(token: string, make: (ids: { updateId: number; messageId: number; date: number }) => Partial<Update>): Promise<Update & { update_id: number }> {
    const update = { update_id: ++this.#updateId, ...make({ updateId: this.#updateId, messageId: ++this.#messageId, date: Math.floor(Date.now() / 1000) }) } as Update;
    const hook = this.webhooks.get(token);
    if (!hook) {
      this.#pending.set(token, [...(this.#pending.get(token) ?? []), update]);
      return update;
    }
    const response = await this.postToWebhook(token, update);
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    return update;
  }

  /** Posts an update to the bot's webhook as Telegram does, with the secret it was given. */
  postToWebhook(token: string, update: unknown): Promise<Response> {
    const hook = this.webhooks.get(token);
    if (!hook) throw new Error('no webhook set for this bot');
    return fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(hook.secretToken ? { 'x-telegram-bot-api-secret-token': hook.secretToken } : {}) },
      body: JSON.stringify(update),
    });
  }

  /** What the bot sent to a chat, in order. */
  sentTo(token: string, chatId: number | string): BotSend[] {
    return (this.sent.get(token) ?? []).filter((s) => s.chatId === String(chatId));
  }

  async close(): Promise<void> {
    this.#front.closeAllConnections();
    await new Promise<void>((resolve) => this.#front.close(() => resolve()));
    await this.server.stop();
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.apiRoot);
    const raw = await body(request);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      const found = [...this.#files.values()].find((f) => f.path === file[2]);
      if (!this.#tokens.has(file[1]!) || !found) return void response.writeHead(404).end('Not Found');
      return void response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': found.bytes.length }).end(found.bytes);
    }
    const relay = /^\/relay\/([^/]+)$/.exec(url.pathname);
    if (relay) {
      // telegram-test-api posts plain updates: add the secret header Telegram would.
      const answer = await this.postToWebhook(decodeURIComponent(relay[1]!), JSON.parse(raw.toString()));
      return void response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call) return json(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = call as unknown as [string, string, string];
    if (!this.#tokens.has(token)) return json(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const failure = this.#failNext.get(method)?.shift();
    if (failure) return json(response, failure.status, { ok: false, error_code: failure.status, description: failure.description, ...(failure.parameters ? { parameters: failure.parameters } : {}) });
    const params = await parseParams(request, raw, url);
    switch (method) {
      case 'getFile': {
        const found = this.#files.get(String(params.file_id));
        if (!found) return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
        return json(response, 200, { ok: true, result: { file_id: params.file_id, file_unique_id: `u${params.file_id}`, file_size: found.bytes.length, file_path: found.path } });
      }
      case 'sendPhoto':
      case 'sendDocument': {
        const field = method === 'sendPhoto' ? 'photo' : 'document';
        const messageId = ++this.#messageId;
        this.#record(token, { method, chatId: String(params.chat_id), caption: params.caption as string | undefined, file: params[field] as BotSend['file'], replyTo: replyTo(params), messageId });
        return json(response, 200, { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id), type: 'private' } } });
      }
      case 'sendChatAction':
        this.chatActions.push({ token, chatId: String(params.chat_id), action: String(params.action) });
        return json(response, 200, { ok: true, result: true });
      case 'setWebhook': {
        // Known here only once telegram-test-api has it too: a test that waits for the webhook and then has a user
        // write must not reach telegram-test-api first, which would keep the update for polling instead.
        const answer = await this.#call(token, 'setWebhook', { url: `${this.apiRoot}/relay/${encodeURIComponent(token)}` });
        if (answer.ok !== false) this.webhooks.set(token, { url: String(params.url), secretToken: params.secret_token as string | undefined });
        return json(response, answer.ok === false ? (answer.error_code ?? 400) : 200, answer);
      }
      case 'deleteWebhook':
        this.webhooks.delete(token);
        return this.#forward(response, token, 'deleteWebhook', {});
      case 'getUpdates':
        return this.#longPoll(request, response, token, params);
      case 'sendMessage': {
        const answer = await this.#call(token, 'sendMessage', params);
        if (answer.ok) this.#record(token, { method, chatId: String(params.chat_id), text: String(params.text), replyTo: replyTo(params), parseMode: params.parse_mode as string | undefined, messageId: answer.result.message_id });
        return json(response, answer.ok ? 200 : 400, answer);
      }
      default:
        return this.#forward(response, token, method, params);
    }
  }

  #record(token: string, send: BotSend): void {
    this.sent.set(token, [...(this.sent.get(token) ?? []), send]);
  }

  async #call(token: string, method: string, params: Record<string, unknown>): Promise<any> {
    const answer = await fetch(`${this.server.config.apiURL}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
    return answer.json();
  }

  async #forward(response: ServerResponse, token: string, method: string, params: Record<string, unknown>): Promise<void> {
    const answer = await this.#call(token, method, params);
    json(response, answer.ok === false ? (answer.error_code ?? 400) : 200, answer);
  }

  /**
   * Telegram holds an empty getUpdates up to `timeout` seconds and forgets updates below `offset`;
   * telegram-test-api answers at once and ignores offset, so both are done here.
   */
  async #longPoll(request: IncomingMessage, response: ServerResponse, token: string, params: Record<string, unknown>): Promise<void> {
    if (this.webhooks.has(token)) return json(response, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
    const offset = Number(params.offset ?? 0);
    const deadline = Date.now() + Math.min(Number(params.timeout ?? 0), 5) * 1000;
    let gone = false;
    request.once('close', () => (gone = true));
    response.once('close', () => (gone = true));
    for (;;) {
      this.#pending.set(token, (this.#pending.get(token) ?? []).filter((u) => u.update_id >= offset));
      const upstream = (await this.#call(token, 'getUpdates', {})).result as Update[];
      // telegram-test-api marks what it returns as read; keep it here until confirmed, as Telegram would.
      if (upstream.length) this.#pending.set(token, [...(this.#pending.get(token) ?? []), ...upstream]);
      const ready = (this.#pending.get(token) ?? []).filter((u) => u.update_id >= offset).sort((a, b) => a.update_id - b.update_id);
      if (ready.length || Date.now() >= deadline || gone) return json(response, 200, { ok: true, result: ready });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function replyTo(params: Record<string, unknown>): number | undefined {
  const reply = typeof params.reply_parameters === 'string' ? JSON.parse(params.reply_parameters) : params.reply_parameters;
  return (reply as { message_id?: number } | undefined)?.message_id;
}

/** grammY sends JSON, or multipart/form-data when it uploads a file. */
async function parseParams(request: IncomingMessage, raw: Buffer, url: URL): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? '';
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (type.startsWith('application/json') && raw.length) return { ...params, ...JSON.parse(raw.toString()) };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(raw) }).formData();
    for (const [key, value] of form) {
      if (typeof value === 'string') params[key] = value;
      else params[key] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
    // grammY sends the file as an attachment field and names it in the method's parameter: attach://<field>.
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && value.startsWith('attach://')) params[key] = params[value.slice('attach://'.length)];
    }
  }
  return params;
}
