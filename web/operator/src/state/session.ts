import { signal } from '@preact/signals';
import { api, setUnauthenticatedHandler } from '../api.ts';
import type { Me } from '../types.ts';

/** Who is logged in: undefined while we ask the server, null when nobody is. */
export const me = signal<Me | null | undefined>(undefined);

setUnauthenticatedHandler(() => {
  me.value = null;
});

export async function loadSession(): Promise<void> {
  try {
    me.value = await api<Me>('GET', '/auth/me');
  } catch {
    me.value = null;
  }
}

export async function login(email: string, password: string): Promise<void> {
  const answer = await api<{ operator: Me }>('POST', '/auth/login', { email, password });
  me.value = answer.operator;
}

export async function logout(): Promise<void> {
  await api('POST', '/auth/logout').catch(() => {});
  me.value = null;
}
