import { startWorker, type WorkerHandle } from './workers/ipc.ts';
import type { ClientCommand, ClientStatus, ConnectReport, ReceiptReport, SendCommand, SendReport, SocketPlan } from './workers/protocol.ts';
import type { ProcessGroup } from './usage.ts';

const CLIENT_ENTRY = new URL('./workers/client-worker.ts', import.meta.url);
const SENDER_ENTRY = new URL('./workers/sender-worker.ts', import.meta.url);

export type ClientWorker = WorkerHandle<ClientCommand, unknown>;

/** Processes that hold sockets: each takes an equal share of the plans. */
export class SocketFleet {
  readonly workers: ClientWorker[];

  private constructor(workers: ClientWorker[]) {
    this.workers = workers;
  }

  static async start(processes: number): Promise<SocketFleet> {
    return new SocketFleet(await Promise.all(Array.from({ length: processes }, () => startWorker<ClientCommand, unknown>(CLIENT_ENTRY))));
  }

  /** Opens the sockets, dealt to the processes in turn; answers the totals. */
  async connect(plans: SocketPlan[], concurrency = 100): Promise<ConnectReport> {
    const shares = this.workers.map(() => [] as SocketPlan[]);
    plans.forEach((plan, index) => shares[index % shares.length]!.push(plan));
    const reports = (await Promise.all(
      this.workers.map((worker, index) => worker.request({ type: 'connect', sockets: shares[index]!, concurrency: Math.ceil(concurrency / this.workers.length) }, 600_000)),
    )) as ConnectReport[];
    return {
      connected: reports.reduce((sum, report) => sum + report.connected, 0),
      failed: reports.reduce((sum, report) => sum + report.failed, 0),
      errors: reports.flatMap((report) => report.errors).slice(0, 5),
      ms: Math.max(...reports.map((report) => report.ms)),
    };
  }

  async begin(step: string): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.request({ type: 'begin', step })));
  }

  async deliveries(): Promise<number> {
    const answers = (await Promise.all(this.workers.map((worker) => worker.request({ type: 'progress' })))) as Array<{ deliveries: number }>;
    return answers.reduce((sum, answer) => sum + answer.deliveries, 0);
  }

  async collect(): Promise<ReceiptReport[]> {
    return (await Promise.all(this.workers.map((worker) => worker.request({ type: 'collect' })))) as ReceiptReport[];
  }

  async open(): Promise<number> {
    const answers = (await Promise.all(this.workers.map((worker) => worker.request({ type: 'status' })))) as ClientStatus[];
    return answers.reduce((sum, answer) => sum + answer.open, 0);
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.request({ type: 'disconnect' })));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.workers.map((worker) => worker.stop()));
  }

  group(): ProcessGroup {
    return { name: 'socket clients', kind: 'load', pids: () => this.workers.map((worker) => worker.pid) };
  }
}

export class Sender {
  readonly worker: WorkerHandle<SendCommand, SendReport>;

  private constructor(worker: WorkerHandle<SendCommand, SendReport>) {
    this.worker = worker;
  }

  static async start(): Promise<Sender> {
    return new Sender(await startWorker<SendCommand, SendReport>(SENDER_ENTRY));
  }

  run(command: Omit<SendCommand, 'type'>): Promise<SendReport> {
    return this.worker.request({ type: 'run', ...command }, command.durationMs + 120_000);
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  group(): ProcessGroup {
    return { name: 'REST sender', kind: 'load', pids: () => [this.worker.pid] };
  }
}
