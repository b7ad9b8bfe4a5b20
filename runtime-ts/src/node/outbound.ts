// What a connection writes to its peer, and what waits when the peer does not read
// (docs/wire.md §5).
//
// Frames produced in one turn of the event loop go out as one write (one syscall for a burst of
// answers), or at once past BATCH_BYTES so that the channel's congestion shows without delay.
// Once a write returned false (the transport holds its high-water mark) nothing more is written
// until the channel drains; meanwhile:
// - what the read loop answers by itself (PONG, SUBSCRIBE's RESPONSE, control documents,
//   refusals), one-way calls and small frames (CANCEL, UNSUBSCRIBE, GOODBYE) wait in the outbox,
//   in order. Past max_in_flight waiting answers, more than a peer that keeps to its in-flight
//   limit can have asked for, reading that peer stops until they are written; a CANCEL withdraws
//   a waiting answer;
// - requests and handlers' answers do not enter the outbox: they wait as writers (each holding an
//   in-flight slot, so they are bounded) and write their frame when the channel takes data again.

import type { InteropError } from '../errors.js';
import type { ByteChannel } from '../transport/types.js';
import { type Frame, frameParts } from '../wire/frame.js';
import { Fifo } from './fifo.js';
import { nextTurn } from './next-turn.js';

/**
 * Outbox entry kinds: an answer the read loop gave by itself (counted against the peer), a one-way
 * call (bounded), anything else (CANCEL, UNSUBSCRIBE, GOODBYE, bounded by what they refer to).
 */
export const OTHER = 0;
export const ANSWER = 1;
export const ONEWAY = 2;
export type OutboxKind = typeof OTHER | typeof ANSWER | typeof ONEWAY;

/** A frame waiting in the outbox; `parts` undefined once withdrawn (the peer cancelled). */
interface Held {
  kind: OutboxKind;
  correlation: number;
  parts: Uint8Array[] | undefined;
}

/** Something waiting for the channel to take frames at once: a request, a handler's answer. */
export interface Writer {
  /** Called once, when a frame can be written at once: writes its frame. */
  write(): void;
  /** Called instead when the connection closes or says GOODBYE first (requests only). */
  fail?(error: InteropError): void;
}

/** What the outbound side needs from its connection. */
export interface OutboundHost {
  /** Stops / resumes reading the peer (counted; see Inbound). */
  pause(): void;
  resume(): void;
  /** The outbox emptied: a goodbye may have been waiting for it. */
  maybeFinishClose(): void;
  /** The channel took the outbox and the writers' frames: waiting events may follow. */
  writersDone(): void;
}

/** A batch this large is written at once, so that the channel's congestion shows without delay. */
const BATCH_BYTES = 16_384;

export class Outbound {
  /** Set by the connection when its channel closed: nothing is written or kept any more. */
  closed = false;
  /** Frames queued in this turn, written together at its end (or at once past BATCH_BYTES). */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  /** Bytes were written since the watchdog's last idle check (watchdog.ts resets it). */
  wrote = false;
  /** A write returned false and no drain followed yet: the channel holds its high-water mark. */
  private congested = false;
  /** Frames that could not be written at once, in order. */
  private readonly outbox = new Fifo<Held>();
  private heldAnswers = 0;
  private heldOneways = 0;
  /** Reading is paused because more than max_in_flight answers wait in the outbox. */
  private answersPaused = false;
  /** Requests and handlers' answers waiting for the channel, in order. */
  private readonly writers = new Set<Writer>();

  constructor(
    private readonly channel: ByteChannel,
    private readonly maxInFlight: number,
    private readonly host: OutboundHost,
  ) {}

  /**
   * Sends a frame: into this turn's batch while the channel takes data, else into the outbox, in
   * order, until it drains. `kind` says what the outbox counts it as.
   */
  send(frame: Frame, kind: OutboxKind): void {
    if (this.closed) return;
    if (this.outbox.length > 0 || this.congested) return this.hold(kind, frame.correlation, frameParts(frame));
    this.queue(frameParts(frame));
  }

  /** As send(), for a frame already encoded (by a caller that keeps its target's bytes). */
  sendParts(parts: Uint8Array[], kind: OutboxKind, correlation: number): void {
    if (this.closed) return;
    if (this.outbox.length > 0 || this.congested) return this.hold(kind, correlation, parts);
    this.queue(parts);
  }

  /** Adds to this turn's batch regardless of the outbox (a connection-level error before closing). */
  queue(parts: Uint8Array[]): void {
    for (const part of parts) {
      this.batch.push(part);
      this.batchBytes += part.length;
    }
    if (this.batchBytes >= BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      nextTurn(() => this.flush());
    }
  }

  private hold(kind: OutboxKind, correlation: number, parts: Uint8Array[]): void {
    this.outbox.push({ kind, correlation, parts });
    if (kind === ANSWER) {
      if (++this.heldAnswers > this.maxInFlight && !this.answersPaused) {
        // More answers wait than a peer within its in-flight limit can have asked for: it does
        // not read them. Stop reading it until they are written.
        this.answersPaused = true;
        this.host.pause();
      }
    } else if (kind === ONEWAY) {
      this.heldOneways++;
    }
  }

  /** Writes this turn's batch. */
  flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0 || this.closed) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.wrote = true;
    if (!this.channel.write(batch)) this.congested = true;
  }

  /** Writes `parts` now, past the batch; for whoever checked writableNow() and keeps its own order. */
  writeNow(parts: Uint8Array[]): void {
    this.wrote = true;
    if (!this.channel.write(parts)) this.congested = true;
  }

  /** Whether a frame sent now is written now: nothing waits in the outbox and the channel takes data. */
  writableNow(): boolean {
    return this.outbox.length === 0 && !this.congested && !this.closed;
  }

  get isCongested(): boolean {
    return this.congested;
  }

  /** Waits for the channel: `writer.write()` runs once a frame can be written at once. */
  addWriter(writer: Writer): void {
    this.writers.add(writer);
  }

  removeWriter(writer: Writer): void {
    this.writers.delete(writer);
  }

  /** After GOODBYE or close: requests waiting for the channel fail; handlers' answers still go out. */
  failWriters(error: InteropError): void {
    for (const writer of this.writers) {
      if (writer.fail === undefined) continue;
      this.writers.delete(writer);
      writer.fail(error);
    }
  }

  /** The channel drained. */
  onDrain(): void {
    this.congested = false;
    this.pump();
  }

  /**
   * Writes what waits, oldest first, while the channel takes it: the batch, then the outbox; then
   * lets waiting writers write, and events follow in the next turn (after the writers' frames).
   */
  private pump(): void {
    this.flush();
    while (!this.congested && !this.closed) {
      const held = this.outbox.shift();
      if (held === undefined) break;
      if (held.parts === undefined) continue; // withdrawn
      if (held.kind === ANSWER) this.heldAnswers--;
      else if (held.kind === ONEWAY) this.heldOneways--;
      this.wrote = true;
      if (!this.channel.write(held.parts)) this.congested = true;
    }
    this.resumeAnswers();
    if (!this.writableNow()) return;
    this.host.maybeFinishClose();
    for (const writer of this.writers) {
      if (!this.writableNow()) return;
      this.writers.delete(writer);
      writer.write();
    }
    this.host.writersDone();
  }

  private resumeAnswers(): void {
    if (this.answersPaused && this.heldAnswers <= this.maxInFlight) {
      this.answersPaused = false;
      this.host.resume();
    }
  }

  /**
   * The peer cancelled an exchange whose answer still waits in the outbox: it is not sent. Returns
   * whether there was one.
   */
  withdrawAnswer(correlation: number): boolean {
    if (this.heldAnswers === 0) return false;
    for (const held of this.outbox) {
      if (held.kind === ANSWER && held.correlation === correlation && held.parts !== undefined) {
        held.parts = undefined;
        this.heldAnswers--;
        this.resumeAnswers();
        return true;
      }
    }
    return false;
  }

  /** Entries in the outbox (withdrawn ones too, until the pump passes them). */
  get outboxLength(): number {
    return this.outbox.length;
  }

  get answersWaiting(): number {
    return this.heldAnswers;
  }

  get onewaysWaiting(): number {
    return this.heldOneways;
  }

  /** Bytes in this turn's batch and in the outbox. */
  heldBytes(): number {
    let n = this.batchBytes;
    for (const h of this.outbox) if (h.parts) for (const p of h.parts) n += p.length;
    return n;
  }

  /** The channel closed: whatever waits is dropped (writers were failed or are aborted by then). */
  discard(): void {
    this.writers.clear();
    this.batch = [];
    this.batchBytes = 0;
    this.outbox.clear();
    this.heldAnswers = this.heldOneways = 0;
  }
}
