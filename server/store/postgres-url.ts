// pg 8 treats sslmode=prefer, require and verify-ca as verify-full (the server must offer SSL,
// and its certificate and name are checked), and says so on every start with a five-line
// SECURITY WARNING about its next major version. Naming that mode explicitly keeps exactly
// today's behaviour without the warning. With uselibpqcompat=true (libpq's weaker meanings,
// pg's own opt-in) the URL is left as it is.
const ALIASED_MODES = /([?&]sslmode=)(prefer|require|verify-ca)(?=&|#|$)/;

/** The URL with sslmode=prefer|require|verify-ca written as the verify-full pg applies to it. */
export function withExplicitSslMode(url: string): string {
  if (/[?&]uselibpqcompat=/.test(url)) return url;
  return url.replace(ALIASED_MODES, "$1verify-full");
}

/** The sslmode a PostgreSQL URL asks for, if any. */
export function sslModeOf(url: string): string | undefined {
  return /[?&]sslmode=([^&#]*)/.exec(url)?.[1];
}
