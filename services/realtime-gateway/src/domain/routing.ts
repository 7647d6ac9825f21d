/** The services the gateway routes `/api/chat/...` to. */
export type Owner = 'channels' | 'messaging' | 'tickets';

export const PUBLIC_PREFIX = '/api/chat';

/** Sub-resources of a channel that messaging owns; everything else under a channel is the channels service's. */
export const MESSAGING_CHANNEL_PARTS: ReadonlySet<string> = new Set(['messages', 'read', 'notes']);

/** The first path segment after `/api/chat` and who owns it. */
export const OWNER_BY_ROOT: Readonly<Record<string, Owner>> = {
  channels: 'channels',
  users: 'channels',
  messages: 'messaging',
  search: 'messaging',
  tickets: 'tickets',
  'sla-policy': 'tickets',
  'canned-responses': 'tickets',
};

/**
 * Who owns a public path, or `null` when nobody does (the gateway answers 404). Only paths under
 * `/api/chat/` are ever routed, and only clean ones: a segment that is empty, `.` or `..`, or hides
 * a slash or a dot-segment behind percent-encoding, is refused, so no path can climb out of
 * `/api/chat/` into a service's `/internal/...` routes.
 */
export function ownerOf(pathname: string): Owner | null {
  const segments = publicSegments(pathname);
  if (segments === null || segments.length === 0) return null;
  const [root, , part] = segments;
  if (root === 'channels' && part !== undefined && MESSAGING_CHANNEL_PARTS.has(part)) return 'messaging';
  // Own keys only: `constructor` or `__proto__` is no root, whatever plain objects inherit.
  return Object.hasOwn(OWNER_BY_ROOT, root!) ? OWNER_BY_ROOT[root!]! : null;
}

/** The decoded segments after `/api/chat/`, or `null` when the path is not a clean public path. */
export function publicSegments(pathname: string): string[] | null {
  if (!pathname.startsWith(`${PUBLIC_PREFIX}/`)) return null;
  const raw = pathname.slice(PUBLIC_PREFIX.length + 1).split('/');
  // One trailing slash is harmless (`/api/chat/channels/`); anything else empty is not.
  if (raw.length > 1 && raw.at(-1) === '') raw.pop();
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) return null;
    segments.push(decoded);
  }
  return segments;
}
