// The API key in a request, as the server and the mocks read it.

/** `<key>` as the original documentation sends it, or `Bearer <key>`; undefined when it cannot be a key. */
export function apiKeyFromHeader(header: string | null | undefined): string | undefined {
  if (header === undefined || header === null) return undefined;
  const value = header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(value);
  const key = bearer ? bearer[1]! : value;
  // Keys are printable ASCII without spaces; anything else cannot be one.
  return /^[\x21-\x7e]{1,256}$/.test(key) ? key : undefined;
}
