import { onBeforeUnmount, ref } from 'vue';

/**
 * Live changes of work orders from GET /api/v1/events (server-sent events). The browser's
 * EventSource reconnects by itself and sends Last-Event-ID, so it catches up after a drop.
 * Where the stream is unavailable the page falls back to polling every `pollMs`.
 */
export interface OrderChange {
  orderId: string;
  externalNo: string;
  kind: string;
  at: string;
  unitCode?: string;
}

/** The stream's event names (EventSource needs one listener per name): life-cycle kinds, then `order.<action>`. */
const KINDS = [
  'order.received', 'order.routed', 'order.dispatched', 'order.signed', 'order.returned', 'return.approved', 'return.rejected',
  'extension.requested', 'extension.approved', 'extension.refused', 'order.replied', 'order.closed', 'order.reopened',
  'order.cancelled', 'order.merged', 'order.marked-difficult', 'order.repeat-linked',
  ...['warn', 'overdue', 'urge', 'escalate', 'link-noise-source', 'callback', 'request-exemption', 'approve-exemption', 'refuse-exemption',
    'close-slip', 'send-back-slip', 'slip-warn', 'slip-overdue', 'slip-progress', 'slip-chief-callback', 'slip-result', 'deadlines-moved'].map((a) => `order.${a}`),
  'message',
];

let source: EventSource | null = null;
const listeners = new Set<(change: OrderChange) => void>();
export const liveState = ref<'connecting' | 'open' | 'polling'>('connecting');

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/v1/events', { withCredentials: true });
  source.onopen = () => (liveState.value = 'open');
  source.onerror = () => {
    // CLOSED: the server refused (no such route, or signed out); EventSource will not retry.
    if (source?.readyState === EventSource.CLOSED) {
      liveState.value = 'polling';
      source = null;
    } else liveState.value = 'connecting';
  };
  const deliver = (event: MessageEvent) => {
    let change: OrderChange;
    try {
      change = JSON.parse(event.data) as OrderChange;
    } catch {
      return;
    }
    for (const listener of listeners) listener(change);
  };
  for (const kind of KINDS) source.addEventListener(kind, deliver as EventListener);
}

export function closeLive(): void {
  source?.close();
  source = null;
}

/** Calls `refresh` on every change (debounced), and every `pollMs` while the stream is down. */
export function useLive(refresh: (change?: OrderChange) => void, pollMs = 15000): void {
  connect();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let again: ReturnType<typeof setTimeout> | undefined;
  const listener = (change: OrderChange) => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(change), 300);
    // The router decides a moment after intake: look again for its suggestion.
    if (change.kind === 'order.received') {
      clearTimeout(again);
      again = setTimeout(() => refresh(change), 2500);
    }
  };
  listeners.add(listener);
  const poll = setInterval(() => {
    if (liveState.value !== 'open') refresh();
  }, pollMs);
  onBeforeUnmount(() => {
    listeners.delete(listener);
    clearInterval(poll);
    clearTimeout(timer);
    clearTimeout(again);
  });
}
