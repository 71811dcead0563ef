/**
 * A web-chat inbox's settings (Inbox.settings), read with defaults. Admins set them with
 * PATCH /api/v1/inboxes/:id; unknown keys are kept and ignored.
 */
export interface WidgetSettings {
  /** Shown in the widget's header. */
  title: string;
  /** The first line the visitor sees before writing. */
  greeting: string;
  /** Accent colour of the bubble and header (a CSS hex colour). */
  color: string;
  /** Origins (`https://shop.example`) whose pages may open the widget; empty: any. */
  allowedOrigins: string[];
  /** Ask for a name and an email before the first message. */
  preChatForm: boolean;
  /** Only visitors the site vouches for (identifierHash) are identified; other claims are refused. */
  enforceVerification: boolean;
  /** Longest message a visitor may send, in characters. */
  maxMessageChars: number;
  /** Largest file a visitor may upload, in bytes (never above ATTACHMENT_MAX_BYTES). */
  maxFileBytes: number;
  /** MIME types a visitor may upload; `image/*` matches every image type. */
  allowedFileTypes: string[];
  /** Messages one visitor may send per minute. */
  messagesPerMinute: number;
  /** Messages one IP address may send per minute, over all its visitors. */
  messagesPerMinutePerIp: number;
  /** Conversations one IP address may start per hour (first messages of new visitors). */
  conversationsPerHourPerIp: number;
  /** Widget connections one IP address may open per minute (each page view opens one). */
  sessionsPerMinutePerIp: number;
}

export const WIDGET_DEFAULTS: WidgetSettings = {
  title: 'Chat with us',
  greeting: 'Hi! Ask us anything.',
  color: '#2563eb',
  allowedOrigins: [],
  preChatForm: false,
  enforceVerification: false,
  maxMessageChars: 4000,
  maxFileBytes: 10 * 1024 * 1024,
  allowedFileTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
  messagesPerMinute: 20,
  messagesPerMinutePerIp: 60,
  conversationsPerHourPerIp: 20,
  sessionsPerMinutePerIp: 60,
};

const positive = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback);
const text = (value: unknown, fallback: string, max = 200) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : fallback);
const strings = (value: unknown, fallback: string[]) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : fallback);

export function widgetSettings(settings: Record<string, unknown>): WidgetSettings {
  const d = WIDGET_DEFAULTS;
  return {
    title: text(settings.title, d.title, 80),
    greeting: text(settings.greeting, d.greeting, 500),
    // Only a hex colour: it goes into the widget's stylesheet, so nothing else may get through.
    color: typeof settings.color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(settings.color) ? settings.color : d.color,
    allowedOrigins: strings(settings.allowedOrigins, d.allowedOrigins).map((o) => o.replace(/\/+$/, '')),
    preChatForm: settings.preChatForm === true,
    enforceVerification: settings.enforceVerification === true,
    maxMessageChars: positive(settings.maxMessageChars, d.maxMessageChars),
    maxFileBytes: positive(settings.maxFileBytes, d.maxFileBytes),
    allowedFileTypes: strings(settings.allowedFileTypes, d.allowedFileTypes),
    messagesPerMinute: positive(settings.messagesPerMinute, d.messagesPerMinute),
    messagesPerMinutePerIp: positive(settings.messagesPerMinutePerIp, d.messagesPerMinutePerIp),
    conversationsPerHourPerIp: positive(settings.conversationsPerHourPerIp, d.conversationsPerHourPerIp),
    sessionsPerMinutePerIp: positive(settings.sessionsPerMinutePerIp, d.sessionsPerMinutePerIp),
  };
}

/** Whether an upload's type is allowed (`image/*` style wildcards included). */
export function fileTypeAllowed(settings: WidgetSettings, contentType: string): boolean {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  return settings.allowedFileTypes.some((allowed) => (allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : allowed.toLowerCase() === type));
}

/** Whether a page on `origin` may open this widget (no Origin header: not a browser, allowed only when no list is set). */
export function originAllowed(settings: WidgetSettings, origin: string | undefined): boolean {
  if (settings.allowedOrigins.length === 0) return true;
  return !!origin && settings.allowedOrigins.includes(origin.replace(/\/+$/, ''));
}
