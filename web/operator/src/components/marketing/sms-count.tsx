import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import type { SmsCount } from './types.ts';
import { useDebounced } from './ui.tsx';

/** What an SMS text costs, in words: the alphabet, characters, parts, and what forced UCS-2. */
export function SmsCountLine({ count, id }: { count: SmsCount; id?: string }) {
  return (
    <p class="mk-sms muted" id={id} aria-live="polite">
      {t('mk.sms.line', { encoding: count.encoding, units: count.units, segments: count.segments, remaining: count.remaining })}
      {count.nonGsmCharacters.length > 0 && <> {t('mk.sms.ucs2', { chars: count.nonGsmCharacters.slice(0, 8).join(' ') })}</>}
    </p>
  );
}

/** The segment count of the SMS body as typed (asked from the server, which counts as the SMS channel does). */
export function SmsCounter({ text, id }: { text: string; id: string }) {
  const settled = useDebounced(text, 300);
  const [count, setCount] = useState<SmsCount | null>(null);
  useEffect(() => {
    let stale = false;
    if (!settled) return void setCount(null);
    api<SmsCount>('POST', '/sms/segments', { text: settled }).then((c) => !stale && setCount(c)).catch(() => !stale && setCount(null));
    return () => void (stale = true);
  }, [settled]);
  if (!count) return <p class="mk-sms muted" id={id}>{t('mk.sms.empty')}</p>;
  return <SmsCountLine count={count} id={id} />;
}
