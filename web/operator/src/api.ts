import { t, type MessageKey } from './i18n/index.ts';

/** An API failure, with words a person understands (`message`) and the server's code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Called when the session has ended (any 401), so the app can show the login screen. */
let onUnauthenticated: () => void = () => {};
export const setUnauthenticatedHandler = (handler: () => void) => (onUnauthenticated = handler);

function humanMessage(code: string, serverMessage: string): string {
  const key = `error.${code}` as MessageKey;
  const known = t(key);
  if (known !== key) return known;
  // Validation and bad-request messages from the server already say what was wrong, in words.
  return t('error.generic', { message: serverMessage });
}

/** Calls the REST API with the session cookie; throws ApiError with a readable message. */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError('NETWORK', 0, t('error.network'));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!response.ok) {
    // A proxy's or gateway's page (502, 504...) carries no code of ours: name it by its status instead.
    const code = json?.error?.code ?? (response.status >= 502 && response.status <= 504 ? 'UNAVAILABLE' : response.status === 404 ? 'NOT_FOUND' : 'INTERNAL');
    if (response.status === 401 && path !== '/auth/login') onUnauthenticated();
    throw new ApiError(code, response.status, humanMessage(code, json?.error?.message ?? String(response.status)));
  }
  return json as T;
}

/** Query string from the defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const errorText = (error: unknown) => (error instanceof ApiError ? error.message : t('error.generic', { message: String((error as Error)?.message ?? error) }));
