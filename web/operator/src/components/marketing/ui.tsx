import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { t } from '../../i18n/index.ts';
import { navigate } from '../../router.ts';

/** Loads `load()` when `deps` change: the data, whether it is loading, the error in words, and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const run = useRef(0);
  const reload = async () => {
    const mine = ++run.current;
    setLoading(true);
    setError(null);
    try {
      const value = await load();
      if (mine === run.current) setData(value);
    } catch (e) {
      if (mine === run.current) setError(errorText(e));
    } finally {
      if (mine === run.current) setLoading(false);
    }
  };
  useEffect(() => void reload(), deps);
  return { data, setData, loading, error, reload };
}

/** `value` once it has stayed the same for `ms` (for live counts and checks while someone types). */
export function useDebounced<T>(value: T, ms = 400): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [key]);
  return settled;
}

/** The three states every list has besides "here it is". */
export function LoadState({ loading, error, empty, emptyText, retry }: { loading: boolean; error: string | null; empty: boolean; emptyText: string; retry: () => void }) {
  if (error) return <p class="error" role="alert">{error} <button type="button" class="link" onClick={retry}>{t('common.retry')}</button></p>;
  if (loading) return <p class="muted" role="status">{t('common.loading')}</p>;
  if (empty) return <p class="empty muted mk-empty">{emptyText}</p>;
  return null;
}

/** An in-app link that keeps the URL fragment routing. */
export function Link({ to, children, class: className, label, current }: { to: string; children: ComponentChildren; class?: string; label?: string; current?: boolean }) {
  return <a href={`#${to}`} class={className} aria-label={label} aria-current={current ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(to); }}>{children}</a>;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');
export const number = (n: number) => n.toLocaleString();
