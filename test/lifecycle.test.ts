import { ACTIONS, allowedActions, check, STATES, TRANSITIONS, type Action, type OrderFacts, type State } from '../src/modules/work-orders/lifecycle';

const order = (state: State, extra: Partial<OrderFacts> = {}): OrderFacts => ({ state, dispatchCount: 1, extensionPending: false, returnWindowClosed: false, difficult: false, ...extra });

describe('the life-cycle table', () => {
  test.each<[Action, State, State]>([
    ['dispatch', 'received', 'dispatched'],
    ['sign', 'dispatched', 'signed'],
    ['sign', 'reopened', 'signed'],
    ['return', 'dispatched', 'returned'],
    ['return', 'signed', 'returned'],
    ['approve-return', 'returned', 'received'],
    ['reject-return', 'returned', 'signed'],
    ['reply', 'signed', 'replied'],
    ['close', 'replied', 'closed'],
    ['reopen', 'replied', 'reopened'],
    ['reopen', 'closed', 'reopened'],
    ['cancel', 'received', 'cancelled'],
    ['merge', 'signed', 'merged'],
  ])('%s takes an order from %s to %s', (action, from, to) => {
    expect(check(action, order(from))).toEqual({ ok: true, to });
  });

  test('an extension request is an event on a signed order: the state stays', () => {
    expect(check('request-extension', order('signed'))).toEqual({ ok: true, to: 'signed' });
  });

  test.each<[Action, State]>([
    ['sign', 'received'],
    ['reply', 'dispatched'],
    ['close', 'signed'],
    ['dispatch', 'signed'],
    ['return', 'replied'],
    ['reopen', 'signed'],
  ])('%s is refused on a %s order', (action, state) => {
    expect(check(action, order(state))).toEqual({ ok: false, refusal: 'wrong_state' });
  });

  test('closed, merged and cancelled orders take no action but reopening a closed one', () => {
    expect(allowedActions(order('closed'))).toEqual(['reopen']);
    expect(allowedActions(order('merged'))).toEqual([]);
    expect(allowedActions(order('cancelled'))).toEqual([]);
  });

  test('from the third dispatch on, the unit is designated and may not return the order', () => {
    expect(check('return', order('signed', { dispatchCount: 2 })).ok).toBe(true);
    expect(check('return', order('signed', { dispatchCount: 3 }))).toEqual({ ok: false, refusal: 'designated' });
    expect(allowedActions(order('dispatched', { dispatchCount: 3 }), 'lead-unit')).toEqual(['sign']);
  });

  test('a unit may return an order only within the return window', () => {
    expect(check('return', order('signed', { returnWindowClosed: true }))).toEqual({ ok: false, refusal: 'return_window_closed' });
  });

  test('an order is marked difficult once, while a unit holds it', () => {
    expect(check('mark-difficult', order('signed'))).toEqual({ ok: true, to: 'signed' });
    expect(check('mark-difficult', order('signed', { difficult: true }))).toEqual({ ok: false, refusal: 'already_difficult' });
    expect(check('mark-difficult', order('received')).ok).toBe(false);
  });

  test('one extension request at a time, and the centre decides only a pending one', () => {
    expect(check('request-extension', order('signed', { extensionPending: true }))).toEqual({ ok: false, refusal: 'extension_pending' });
    expect(check('approve-extension', order('signed'))).toEqual({ ok: false, refusal: 'no_extension_pending' });
    expect(check('refuse-extension', order('signed', { extensionPending: true })).ok).toBe(true);
  });

  test('each side sees only its own actions', () => {
    expect(allowedActions(order('dispatched'), 'lead-unit')).toEqual(['sign', 'return']);
    expect(allowedActions(order('dispatched'), 'centre')).toEqual(['cancel', 'merge', 'mark-difficult']);
    expect(allowedActions(order('signed'), 'lead-unit')).toEqual(['return', 'request-extension', 'reply']);
  });

  test('every action leads somewhere from at least one state, and every target is a known state', () => {
    for (const action of ACTIONS) {
      const t = TRANSITIONS[action];
      expect(t.from.length).toBeGreaterThan(0);
      if (t.to) expect(STATES).toContain(t.to);
    }
  });
});
