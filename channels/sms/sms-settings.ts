import type { InboxConfig } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

export const DEFAULT_TWILIO_URL = 'https://api.twilio.com';

export interface SmppSettings {
  provider: 'smpp';
  /** `smpp://host:2775` or `ssmpp://host:3550` (TLS). */
  url: string;
  systemId: string;
  password: string;
  systemType: string;
  /** Our number or alphanumeric sender id (source_addr). */
  from: string;
  /** Region for numbers the SMS centre gives without a country code (ISO 3166 alpha-2, e.g. "DE"). */
  defaultCountry?: string;
}

export interface HttpSmsSettings {
  provider: 'http';
  /** The Twilio-compatible API base (https://api.twilio.com, or a local fake in tests). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Our number (E.164), or set messagingServiceSid instead. */
  from?: string;
  messagingServiceSid?: string;
  defaultCountry?: string;
}

export type SmsSettings = SmppSettings | HttpSmsSettings;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** Reads an SMS inbox: which provider, where, and as whom; secrets are in credentials. */
export function smsSettings(inbox: InboxConfig): SmsSettings {
  const s = inbox.settings;
  const c = inbox.credentials;
  const defaultCountry = text(s.defaultCountry)?.toUpperCase();
  const need = (missing: (string | false)[]) => {
    const names = missing.filter(Boolean);
    if (names.length) throw new ChannelError('AUTH', `This SMS inbox needs ${names.join(', ')}`);
  };
  if (s.provider === 'http') {
    need([!text(c.accountSid) && 'credentials.accountSid', !text(c.authToken) && 'credentials.authToken', !text(s.from) && !text(s.messagingServiceSid) && 'settings.from (or settings.messagingServiceSid)']);
    return { provider: 'http', baseUrl: (text(s.baseUrl) ?? DEFAULT_TWILIO_URL).replace(/\/+$/, ''), accountSid: text(c.accountSid)!, authToken: text(c.authToken)!, from: text(s.from), messagingServiceSid: text(s.messagingServiceSid), defaultCountry };
  }
  if (s.provider !== 'smpp') throw new ChannelError('AUTH', 'settings.provider must be "smpp" or "http"');
  need([!text(s.url) && 'settings.url (smpp://host:port)', !text(c.systemId) && 'credentials.systemId', !text(s.from) && 'settings.from']);
  if (!/^s?smpp:\/\/[^/]+/.test(text(s.url)!)) throw new ChannelError('AUTH', 'settings.url must look like smpp://host:2775 or ssmpp://host:3550');
  return { provider: 'smpp', url: text(s.url)!, systemId: text(c.systemId)!, password: c.password ?? '', systemType: text(s.systemType) ?? '', from: text(s.from)!, defaultCountry };
}
