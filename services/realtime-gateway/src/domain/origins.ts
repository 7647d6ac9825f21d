/**
 * Which browser origins may call the gateway (API.md "Operating", `CORS_ORIGINS`): the configured
 * ones, the gateway's own (the console it serves), and callers that send no `Origin` at all
 * (servers, native apps). Every other origin is refused, for REST and sockets alike.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowed?.includes(origin)) return true;
  if (host === undefined || !URL.canParse(origin)) return false;
  // Behind a TLS-terminating load balancer the scheme the browser used is not the one seen here.
  return new URL(origin).host === host.toLowerCase();
}
