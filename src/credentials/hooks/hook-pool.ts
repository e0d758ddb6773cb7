/**
 * A small pool of worker threads for credential types' slow hooks (opening a key with its
 * passphrase, parsing a long chain): the event loop never runs them. Each task has a time
 * budget (the worker is ended and replaced when it runs over) and the queue is bounded
 * (a full queue is refused with BUSY at once rather than waited on).
 */
import { Worker } from 'node:worker_threads';
import { BusyError, TresorError } from '../../errors.ts';
import type { HookRequest, HookResponse } from './hook-protocol.ts';

export interface HookPoolOptions {
  /** Worker threads (default 1: on two cores the other stays with the event loop). */
  workers: number;
  /** Milliseconds one task may run before its worker is ended. */
  budgetMs: number;
  /** Tasks that may wait for a worker; more are refused with BUSY. */
  maxQueued: number;
}

export class HookBudgetExceededError extends TresorError {
  constructor(readonly budgetMs: number) {
    super('VALIDATION_FAILED', `Checking this credential took longer than ${budgetMs / 1000} s`);
  }
}

interface Task {
  request: HookRequest;
  resolve(response: HookResponse & { error?: undefined }): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
}

// Running from the sources, the worker must load TypeScript itself (hook.worker.mjs); compiled,
// it runs the runner directly.
const workerUrl = import.meta.url.endsWith('.ts')
  ? new URL('./hook.worker.mjs', import.meta.url)
  : new URL('./hook-runner.js', import.meta.url);

export class HookPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: HookPoolOptions) {}

  run(request: Omit<HookRequest, 'id'>): Promise<HookResponse & { error?: undefined }> {
    if (this.closed) return Promise.reject(new Error('The hook pool is closed'));
    if (this.queue.length >= this.options.maxQueued)
      return Promise.reject(new BusyError('Too many credential checks are waiting; try again in a moment'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...request, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  /** Ends every worker; waiting tasks are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('The hook pool is closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.task === undefined) ?? this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.timer = setTimeout(() => this.overrun(slot), this.options.budgetMs);
      slot.worker.postMessage(task.request);
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.options.workers) return undefined;
    const worker = new Worker(workerUrl);
    // An idle pool must not keep the process alive.
    worker.unref();
    const slot: Slot = { worker, task: undefined, timer: undefined };
    worker.on('message', (response: HookResponse) => this.settle(slot, response));
    worker.on('error', (error) => this.fail(slot, error));
    worker.on('exit', () => this.fail(slot, new Error('The hook worker stopped')));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, response: HookResponse): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (task && task.request.id === response.id) {
      if (response.error !== undefined) task.reject(new Error(response.error));
      else task.resolve(response);
    }
    this.pump();
  }

  /** A task ran over its budget: end the worker (it may be stuck in a key derivation) and answer. */
  private overrun(slot: Slot): void {
    const task = slot.task;
    slot.task = undefined;
    this.remove(slot);
    void slot.worker.terminate();
    task?.reject(new HookBudgetExceededError(this.options.budgetMs));
    this.pump();
  }

  private fail(slot: Slot, error: unknown): void {
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    this.remove(slot);
    task?.reject(error);
    if (!this.closed) this.pump();
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
  }
}
