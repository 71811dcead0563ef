import { createHmac, timingSafeEqual } from 'node:crypto';
import { retryAfterMs } from '../api/api.adapter.ts';
import type { ChannelAddress, ConnectionCheck, InboundSink, InboxConfig, OutboundMessage, WebhookRequest, WebhookResponse } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { senderPhone } from './smpp-messages.ts';
import type { SmsProvider } from './sms-provider.ts';
import type { HttpSmsSettings } from './sms-settings.ts';

/**
 * X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL Twilio called followed by each
 * POST parameter's name and value, sorted by name (https://www.twilio.com/docs/usage/security#validating-requests).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Twilio error codes (https://www.twilio.com/docs/api/errors) that mean the number, not the request, is the problem. */
const INVALID_NUMBER = new Set([21211, 21214, 21217, 21401, 21407, 21408, 21612, 21614]);
/** The recipient replied STOP: Twilio refuses until they reply START. */
const UNSUBSCRIBED = 21610;

/**
 * SMS through a Twilio-compatible HTTP API: sends with `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`
 * (basic auth), and receives customer messages and status callbacks as signed form posts to the inbox's webhook.
 */
export class TwilioProvider implements SmsProvider {
  readonly singleReceiver = false;
  readonly #inbox: InboxConfig;
  readonly #settings: HttpSmsSettings;
  readonly #webhookUrl: string;
  readonly #timeoutMs: number;
  #sink?: InboundSink;

  constructor(inbox: InboxConfig, settings: HttpSmsSettings, options: { publicUrl: string; timeoutMs: number }) {
    this.#inbox = inbox;
    this.#settings = settings;
    this.#webhookUrl = `${options.publicUrl.replace(/\/+$/, '')}/api/v1/channels/${inbox.id}/webhook`;
    this.#timeoutMs = options.timeoutMs;
  }

  async start(sink: InboundSink): Promise<void> {
    this.#sink = sink;
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
  }

  async #call(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<Response> {
    const { baseUrl, accountSid, authToken } = this.#settings;
    try {
      return await fetch(`${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: form,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new ChannelError('TEMPORARY', `The SMS provider did not answer: ${(cause as Error).message}`, { cause });
    }
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const form = new URLSearchParams({ To: to.externalUserId, Body: message.text ?? '', StatusCallback: this.#webhookUrl });
    if (this.#settings.messagingServiceSid) form.set('MessagingServiceSid', this.#settings.messagingServiceSid);
    else form.set('From', this.#settings.from!);
    // MMS: files that live at a URL go as MediaUrl; stored files are not public, so they cannot.
    for (const attachment of message.attachments) {
      if (!attachment.url) throw new ChannelError('REJECTED', 'SMS carries text only; a stored file cannot be sent by SMS');
      form.append('MediaUrl', attachment.url);
    }
    if (!message.text?.trim() && !form.has('MediaUrl')) throw new ChannelError('REJECTED', 'Nothing to send: the SMS has no text');
    const response = await this.#call('POST', '/Messages.json', form);
    const body = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
    if (response.ok && body.sid) return { externalId: body.sid };
    const detail = `The SMS provider answered ${response.status}: ${body.message ?? 'no reason given'}${body.code ? ` (error ${body.code})` : ''}`;
    if (response.status === 429 || body.code === 20429) throw new ChannelError('RATE_LIMITED', detail, { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) ?? 1000 });
    if (response.status >= 500 || response.ok) throw new ChannelError('TEMPORARY', detail);
    if (body.code === UNSUBSCRIBED) throw new ChannelError('BLOCKED_BY_USER', detail);
    if (body.code !== undefined && INVALID_NUMBER.has(body.code)) throw new ChannelError('INVALID_RECIPIENT', detail);
    if (response.status === 401 || response.status === 403 || body.code === 20003) throw new ChannelError('AUTH', detail);
    throw new ChannelError('REJECTED', detail);
  }

  /** A customer message (it has a Body) or a status callback (MessageStatus), each checked against X-Twilio-Signature first. */
  async webhook(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.method !== 'POST') return { status: 405, body: { error: { code: 'BAD_REQUEST', message: 'POST only' } } };
    const params = Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
    const query = new URLSearchParams(Object.entries(request.query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const expected = twilioSignature(this.#settings.authToken, query ? `${this.#webhookUrl}?${query}` : this.#webhookUrl, params);
    const given = request.headers['x-twilio-signature'];
    if (typeof given !== 'string' || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return { status: 403, body: { error: { code: 'FORBIDDEN', message: 'Bad or missing X-Twilio-Signature' } } };
    }
    const sink = this.#sink;
    if (!sink) return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'This inbox is not receiving' } } };
    const sid = params.MessageSid ?? params.SmsSid;
    if (!sid) return { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'No MessageSid' } } };
    if (params.Body !== undefined) {
      const from = params.From ?? '';
      const phone = senderPhone(from, from.startsWith('+') ? 1 : 0, this.#settings.defaultCountry);
      const media = Array.from({ length: Number(params.NumMedia ?? 0) || 0 }, (_, i) => ({ url: params[`MediaUrl${i}`], contentType: params[`MediaContentType${i}`] })).filter((m) => m.url);
      await sink.message({ inboxId: this.#inbox.id, externalMessageId: sid, externalThreadId: phone ?? from, sender: { externalUserId: phone ?? from, phone }, text: params.Body, attachments: media, sentAt: new Date(), raw: params });
      // An empty TwiML answer: no automatic reply.
      return { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };
    }
    const status = params.MessageStatus ?? params.SmsStatus;
    const mapped = status === 'delivered' ? 'delivered' : status === 'read' ? 'read' : status === 'failed' || status === 'undelivered' ? 'failed' : null;
    if (mapped) await sink.status({ inboxId: this.#inbox.id, externalMessageId: sid, status: mapped, reason: mapped === 'failed' ? `SMS ${status}${params.ErrorCode ? ` (error ${params.ErrorCode})` : ''}` : undefined, at: new Date() });
    return { status: 204 };
  }

  async testConnection(): Promise<ConnectionCheck[]> {
    const response = await this.#call('GET', '.json').catch((error: ChannelError) => error);
    if (response instanceof ChannelError) return [{ name: 'http', ok: false, message: response.message }];
    return [response.ok ? { name: 'http', ok: true } : { name: 'http', ok: false, message: `The SMS provider answered ${response.status}${response.status === 401 ? ': check the account SID and auth token' : ''}` }];
  }
}
