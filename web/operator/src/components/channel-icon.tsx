/** A small mark for each channel kind; unknown kinds (a channel added later) get a generic one. */
const ICONS: Record<string, string> = { telegram: '✈', whatsapp: '🟢', 'whatsapp-cloud': '🟢', email: '✉', webchat: '💬', sms: '📱', api: '⇄', test: '🧪' };

export function ChannelIcon({ kind }: { kind?: string }) {
  return <span class="channel" title={kind} aria-label={kind}>{ICONS[kind ?? ''] ?? '•'}</span>;
}
