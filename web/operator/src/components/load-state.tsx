import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api.ts';
import { t } from '../i18n/index.ts';

export interface Load {
  loading: boolean;
  error: string | null;
  retry: () => void;
}

/**
 * Runs `load` when the screen opens and tracks it, so the screen can tell "still loading" and "could not load"
 * apart from "there is nothing yet".
 */
export function useLoad(load: () => Promise<unknown>): Load {
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(null);
    load().then(
      () => current && setLoading(false),
      (e) => {
        if (!current) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => void (current = false);
  }, [attempt]);
  return { loading, error, retry: () => setAttempt((n) => n + 1) };
}

/** Loading, the error in words with Try again, or (loaded) the empty message when there is nothing: else nothing. */
export function LoadState({ state, empty, children }: { state: Load; empty: boolean; children?: ComponentChildren }) {
  if (state.error) return <p class="error" role="alert">{state.error} <button type="button" class="link" onClick={state.retry}>{t('common.retry')}</button></p>;
  if (state.loading && empty) return <p class="muted" role="status">{t('common.loading')}</p>;
  if (empty) return <p class="muted">{children ?? t('settings.empty')}</p>;
  return null;
}
