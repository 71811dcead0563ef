import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';

interface Segments { encoding: 'GSM-7' | 'UCS-2'; segments: number; remaining: number; nonGsmCharacters: string[] }

/** Asks once the operator pauses typing, not on every key. */
const DEBOUNCE_MS = 250;

/**
 * What an SMS reply will cost ("2 SMS · GSM-7"), counted by the server with the same code the SMS adapter splits
 * with (POST /sms/segments), so the figure is what the customer's phone receives.
 */
export function SmsCounter({ text }: { text: string }) {
  const [segments, setSegments] = useState<Segments | null>(null);
  useEffect(() => {
    if (!text) return setSegments(null);
    let current = true;
    const timer = setTimeout(() => {
      api<Segments>('POST', '/sms/segments', { text }).then((answer) => current && setSegments(answer), () => current && setSegments(null));
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);
  if (!segments || !text) return null;
  const why = segments.nonGsmCharacters.length ? t('sms.because', { chars: segments.nonGsmCharacters.slice(0, 5).join(' ') }) : '';
  return (
    <span class="sms-counter muted" role="status" title={t('sms.remaining', { n: segments.remaining })}>
      {t('sms.count', { n: segments.segments, encoding: segments.encoding })}{why && ` ${why}`}
    </span>
  );
}
