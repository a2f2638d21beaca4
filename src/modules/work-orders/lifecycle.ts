/**
 * The work-order life cycle as one table (domain.md §4). Pure: no database, no clock.
 *
 *   received → dispatched → signed → replied → closed
 *                  ↘ returned ↗ (rejected: the unit keeps it) / → received (approved: re-dispatch)
 *   replied|closed → reopened (重办) → signed ...;  any open state → merged | cancelled
 */
export const STATES = ['received', 'dispatched', 'signed', 'returned', 'replied', 'closed', 'reopened', 'merged', 'cancelled'] as const;
export type State = (typeof STATES)[number];

export const ACTIONS = [
  'dispatch',
  'sign',
  'return',
  'approve-return',
  'reject-return',
  'request-extension',
  'approve-extension',
  'refuse-extension',
  'reply',
  'close',
  'reopen',
  'cancel',
  'merge',
  'mark-difficult',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Who performs an action: the hotline centre (operators, administrators) or the lead unit holding the order. */
export type Side = 'centre' | 'lead-unit';

interface Transition {
  from: readonly State[];
  /** The state after the action; `undefined` keeps the current state (an event on it). */
  to?: State;
  by: Side;
}

const OPEN: readonly State[] = ['received', 'dispatched', 'signed', 'returned', 'reopened'];

export const TRANSITIONS: Readonly<Record<Action, Transition>> = {
  dispatch: { from: ['received'], to: 'dispatched', by: 'centre' },
  sign: { from: ['dispatched', 'reopened'], to: 'signed', by: 'lead-unit' },
  return: { from: ['dispatched', 'signed'], to: 'returned', by: 'lead-unit' },
  'approve-return': { from: ['returned'], to: 'received', by: 'centre' },
  'reject-return': { from: ['returned'], to: 'signed', by: 'centre' },
  'request-extension': { from: ['signed'], by: 'lead-unit' },
  'approve-extension': { from: ['signed'], by: 'centre' },
  'refuse-extension': { from: ['signed'], by: 'centre' },
  reply: { from: ['signed'], to: 'replied', by: 'lead-unit' },
  close: { from: ['replied'], to: 'closed', by: 'centre' },
  reopen: { from: ['replied', 'closed'], to: 'reopened', by: 'centre' },
  cancel: { from: OPEN, to: 'cancelled', by: 'centre' },
  merge: { from: OPEN, to: 'merged', by: 'centre' },
  'mark-difficult': { from: ['dispatched', 'signed', 'reopened'], by: 'centre' },
};

/** From this dispatch on the centre designates the unit (指定) and it may no longer return the order. */
export const DESIGNATING_DISPATCH = 3;

/** What the table needs to know about an order beyond its state. */
export interface OrderFacts {
  state: State;
  dispatchCount: number;
  extensionPending: boolean;
  /** The return window (退单期限) has passed. */
  returnWindowClosed: boolean;
  difficult: boolean;
}

export type Refusal = 'wrong_state' | 'designated' | 'return_window_closed' | 'extension_pending' | 'no_extension_pending' | 'already_difficult';

/** Whether `action` may happen to an order now; the reason when it may not. */
export function check(action: Action, order: OrderFacts): { ok: true; to: State } | { ok: false; refusal: Refusal } {
  const t = TRANSITIONS[action];
  if (!t.from.includes(order.state)) return { ok: false, refusal: 'wrong_state' };
  if (action === 'return' && isDesignated(order.dispatchCount)) return { ok: false, refusal: 'designated' };
  if (action === 'return' && order.returnWindowClosed) return { ok: false, refusal: 'return_window_closed' };
  if (action === 'mark-difficult' && order.difficult) return { ok: false, refusal: 'already_difficult' };
  if (action === 'request-extension' && order.extensionPending) return { ok: false, refusal: 'extension_pending' };
  if ((action === 'approve-extension' || action === 'refuse-extension') && !order.extensionPending) {
    return { ok: false, refusal: 'no_extension_pending' };
  }
  return { ok: true, to: t.to ?? order.state };
}

/** The actions one side may take on the order now, in table order. */
export function allowedActions(order: OrderFacts, side?: Side): Action[] {
  return ACTIONS.filter((a) => (side === undefined || TRANSITIONS[a].by === side) && check(a, order).ok);
}

export function isDesignated(dispatchCount: number): boolean {
  return dispatchCount >= DESIGNATING_DISPATCH;
}

export function isOpen(state: State): boolean {
  return OPEN.includes(state);
}
