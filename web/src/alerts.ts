// The alert queue: alerts from GET /api/v1/alerts and the stream's "alert" topic, kept once per
// id. A message is applied only if it is newer than what is held (by stream seq, then by the
// alert's `updated` time), so the duplicates a resume may send and late answers change nothing.
// Order: unhandled (new) first, then by priority (1 most urgent), then newest first.

export interface Alert {
  id: number;
  state: string;            // new, acknowledged, dispatched, closed
  type: string;             // list_hit, ring_touch, ring_entry
  priority: number;
  plate: string;
  checkpoint_id?: string;
  checkpoint_name?: string;
  lng?: number;
  lat?: number;
  count?: number;
  created?: string;
  updated?: string;
  pass_time?: string;
  last_seen?: string;
  category?: string;
  case_no?: string;
  ring_id?: string;
  ring_name?: string;
  history?: { state: string; time: string; actor: string; note?: string }[];
  [k: string]: unknown;
}

export interface QueueEntry {
  alert: Alert;
  seq: number;          // stream seq of the newest message applied (0: from the REST API)
  fresh: boolean;       // raised while this page watched, and not yet handled: highlighted
  receivedAt: number;   // ms, when this page first got it
}

export type ApplyResult = "added" | "updated" | "ignored";

const STATE_RANK: Record<string, number> = { new: 0, acknowledged: 1, dispatched: 2, closed: 3 };

export class AlertQueue {
  private byId = new Map<number, QueueEntry>();
  constructor(private readonly maxSize = 500) {}

  get size(): number { return this.byId.size; }
  get(id: number): QueueEntry | undefined { return this.byId.get(id); }
  /** The highest alert id held (for resuming the stream with after=). */
  get lastId(): number {
    let m = 0;
    for (const id of this.byId.keys()) m = Math.max(m, id);
    return m;
  }

  /**
   * Applies an alert. `seq` is the stream message's seq (0 for REST answers); `fresh` marks an
   * alert raised live ("event":"raised"). Returns what changed.
   */
  apply(alert: Alert, opts: { seq?: number; fresh?: boolean; now?: number } = {}): ApplyResult {
    if (!alert || typeof alert.id !== "number") return "ignored";
    const seq = opts.seq ?? 0;
    const old = this.byId.get(alert.id);
    if (!old) {
      this.byId.set(alert.id, {
        alert, seq, fresh: !!opts.fresh && alert.state === "new", receivedAt: opts.now ?? Date.now(),
      });
      this.trim();
      return "added";
    }
    if (seq > 0 && old.seq > 0 && seq <= old.seq) return "ignored";      // a repeat or an older message
    if (isOlder(alert, old.alert)) return "ignored";                      // a stale copy
    if (sameVersion(alert, old.alert)) {
      if (seq > old.seq) old.seq = seq;
      return "ignored";
    }
    old.alert = alert;
    if (seq > old.seq) old.seq = seq;
    if (alert.state !== "new") old.fresh = false;
    return "updated";
  }

  /** Stops highlighting an alert (seen by the operator) without changing its state. */
  markSeen(id: number): void {
    const e = this.byId.get(id);
    if (e) e.fresh = false;
  }

  /** Entries in display order. */
  list(): QueueEntry[] {
    return [...this.byId.values()].sort(compareEntries);
  }

  private trim(): void {
    if (this.byId.size <= this.maxSize) return;
    // Drop the least important: closed first, then the oldest handled, never a new one if avoidable.
    const victims = [...this.byId.values()].sort((a, b) => -compareEntries(a, b));
    for (const v of victims) {
      if (this.byId.size <= this.maxSize) break;
      this.byId.delete(v.alert.id);
    }
  }
}

function isOlder(a: Alert, b: Alert): boolean {
  if (a.updated && b.updated) return Date.parse(a.updated) < Date.parse(b.updated);
  return false;
}
function sameVersion(a: Alert, b: Alert): boolean {
  return a.updated === b.updated && a.state === b.state && a.count === b.count;
}

export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  const sa = STATE_RANK[a.alert.state] ?? 9, sb = STATE_RANK[b.alert.state] ?? 9;
  if (sa !== sb) return sa - sb;
  if (a.alert.priority !== b.alert.priority) return (a.alert.priority || 9) - (b.alert.priority || 9);
  return b.alert.id - a.alert.id;
}

/** The next states an operator may move an alert to (forward only; closing needs a note). */
export function nextStates(state: string): string[] {
  switch (state) {
    case "new": return ["acknowledged", "dispatched"];
    case "acknowledged": return ["dispatched"];
    default: return [];
  }
}

/** The incident type a "create incident from alert" proposes. */
export function incidentTypeForAlert(a: Alert): string {
  return a.category === "stolen_vehicle" || a.category === "wanted_in_case" ? "criminal" : "other";
}
