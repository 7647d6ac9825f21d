/** What the coordinator asks of its worker processes, and what they answer. */

/** One socket to open: where, as whom, and the channel room to join (none for an idle socket). */
export interface SocketPlan {
  url: string;
  token: string;
  channelId?: string;
}

export type ClientCommand =
  | { type: 'connect'; sockets: SocketPlan[]; concurrency?: number }
  | { type: 'begin'; step: string }
  | { type: 'progress' }
  | { type: 'collect' }
  | { type: 'status' }
  | { type: 'disconnect' };

export interface ConnectReport {
  connected: number;
  failed: number;
  /** A few of the failures' messages, for the log. */
  errors: string[];
  ms: number;
}

/** What one client process received during one step. */
export interface ReceiptReport {
  step: string;
  /** Distinct (socket, message) receipts. */
  deliveries: number;
  /** A socket receiving a message it had already received. */
  duplicates: number;
  /** Receipts of another step's message, or without a stamp. */
  strays: number;
  /** For each message number, how many distinct sockets of this process received it. */
  perMessage: Uint16Array;
  /** Due-to-receipt times (ms), one per distinct receipt. */
  latencies: Float64Array;
  /** Sockets that disconnected during the step. */
  disconnects: number;
  /** `nowMs()` of the last distinct receipt (0 when none). */
  lastReceiptAt: number;
}

export interface ClientStatus {
  open: number;
}

/** Where message `n` goes: a channel (by index), one of its members as the sender, a replica. */
export interface SendRoom {
  channelId: string;
  /** Bearer tokens of members who send into it, used in turn. */
  senderTokens: string[];
}

export interface SendCommand {
  type: 'run';
  step: string;
  rate: number;
  durationMs: number;
  /** Base URLs REST sends go to, in turn. */
  replicas: string[];
  rooms: SendRoom[];
  /** Content length of each message, in characters. */
  contentLength: number;
}

export interface SendReport {
  step: string;
  planned: number;
  /** Requests written (all of them, unless the run was cut short). */
  sent: number;
  acked: number;
  /** Failures by HTTP status, or by the error's code for requests without an answer. */
  failures: Record<string, number>;
  /** 1 for each message number the service acknowledged. */
  ackedFlags: Uint8Array;
  /** Due-to-answer times (ms) of acknowledged sends. */
  ackLatencies: Float64Array;
  /** Worst lateness of the sender itself (actual write minus due), ms: a check on the load generator. */
  maxSendLagMs: number;
  /** `nowMs()` at which the first message was due. */
  startedAt: number;
}
