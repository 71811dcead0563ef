/** A small badge for each channel kind; a kind added later gets its first letters. */
const BADGES: Record<string, [string, string]> = {
  telegram: ['TG', '#229ed9'], whatsapp: ['WA', '#25a244'], 'whatsapp-cloud': ['WA', '#25a244'], email: ['@', '#8a5cd1'],
  webchat: ['WEB', '#d9822b'], sms: ['SMS', '#5c6b80'], phone: ['TEL', '#5c6b80'], api: ['API', '#3c5a99'], test: ['T', '#7a7f87'],
};

export function ChannelIcon({ kind }: { kind?: string }) {
  const [text, color] = BADGES[kind ?? ''] ?? [(kind ?? '?').slice(0, 3).toUpperCase(), '#7a7f87'];
  return <span class="channel" style={{ background: color }} title={kind} aria-label={kind}>{text}</span>;
}
