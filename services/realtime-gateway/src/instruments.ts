import type { Metrics } from '@chat/telemetry';

/** The gateway's own series in `/metrics`, beside the HTTP kit's request durations. */
export function gatewayInstruments(metrics: Metrics) {
  return {
    connections: metrics.gauge('gateway_socket_connections', 'Sockets connected to this replica'),
    handshakes: metrics.counter('gateway_socket_handshakes_total', 'Socket handshakes by outcome', ['outcome']),
    clientEvents: metrics.counter('gateway_socket_client_events_total', 'Client-to-server socket events by event and outcome', ['event', 'outcome']),
    emitted: metrics.counter('gateway_socket_emitted_total', 'Server-to-client socket events sent from this replica, by event', ['event']),
    busEvents: metrics.counter('gateway_bus_events_total', 'Domain events taken from the broker, by type', ['type']),
    rateLimited: metrics.counter('gateway_rate_limited_total', 'Requests and socket events refused by a rate limit', ['scope', 'via']),
    proxied: metrics.counter('gateway_proxied_requests_total', 'REST requests routed to a service, by owner and status', ['owner', 'status']),
    resyncs: metrics.counter('gateway_resyncs_total', 'Resync requests sent to local sockets after a Redis connection came back'),
  };
}

export type GatewayInstruments = ReturnType<typeof gatewayInstruments>;
