const MASK = '***';

/**
 * The URL with its password masked. Text that does not parse as a URL with a host, yet may hold
 * credentials (`user:pw@db` parses as scheme `user:`), is masked entirely.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.host === '' && url.includes('@')) return MASK;
  if (parsed.password) parsed.password = MASK;
  return parsed.toString();
}
