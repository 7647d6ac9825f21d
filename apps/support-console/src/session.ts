import type { Role } from '@chat/contracts';

/**
 * Who is signed in. The console never asks for a password: the host platform hands it a token
 * (a `token` URL fragment), or, in the local run, the dev sign-in form fetches one. The token
 * lives in sessionStorage, so it ends with the browser tab.
 */
export interface Viewer {
  userId: string;
  tenantId: string;
  role: Role;
  name: string | null;
  /** Seconds since the epoch, from the token's `exp`. */
  expiresAt: number;
}

export interface Session {
  token: string;
  viewer: Viewer;
}

const STORAGE_KEY = 'support-console.token';
const ROLES: readonly string[] = ['SUPER_ADMIN', 'TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT'];

function decodeBase64Url(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Reads the claims to know whom to show the console to. The signature is the server's business:
 * every call is verified there, and a token the server refuses ends the session.
 */
export function readViewer(token: string): Viewer | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(decodeBase64Url(payload)) as Record<string, unknown>;
    const { sub, tid, role, name, exp } = claims;
    if (typeof sub !== 'string' || typeof tid !== 'string' || typeof role !== 'string' || !ROLES.includes(role)) return null;
    if (typeof exp !== 'number') return null;
    return { userId: sub, tenantId: tid, role: role as Role, name: typeof name === 'string' && name !== '' ? name : null, expiresAt: exp };
  } catch {
    return null;
  }
}

function isCurrent(viewer: Viewer): boolean {
  return viewer.expiresAt * 1000 > Date.now();
}

function sessionOf(token: string): Session | null {
  const viewer = readViewer(token);
  return viewer && isCurrent(viewer) ? { token, viewer } : null;
}

/**
 * A token handed over in the URL fragment (`#token=...`) wins over a stored one. The fragment is
 * removed at once so the token does not linger in the address bar or the history.
 */
function takeTokenFromFragment(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (token === null) return null;
  fragment.delete('token');
  const rest = fragment.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  return token;
}

export function restoreSession(): Session | null {
  const handed = takeTokenFromFragment();
  if (handed !== null) {
    const session = sessionOf(handed);
    if (session) {
      saveSession(session);
      return session;
    }
  }
  const stored = window.sessionStorage.getItem(STORAGE_KEY);
  if (stored === null) return null;
  const session = sessionOf(stored);
  if (!session) window.sessionStorage.removeItem(STORAGE_KEY);
  return session;
}

export function startSession(token: string): Session {
  const session = sessionOf(token);
  if (!session) throw new Error('The sign-in service returned a token this console cannot read.');
  saveSession(session);
  return session;
}

function saveSession(session: Session): void {
  window.sessionStorage.setItem(STORAGE_KEY, session.token);
}

export function endSession(): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
}

export function isStaffViewer(viewer: Viewer): boolean {
  return viewer.role !== 'PARTICIPANT';
}

export function displayName(viewer: Viewer): string {
  return viewer.name ?? viewer.userId;
}
