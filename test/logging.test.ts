import { Writable } from 'node:stream';
import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { logOptions, safeError } from '../src/logging';

/** Citizens' names and phones never reach a log, not even inside a database error's parameters. */
function capture() {
  const lines: string[] = [];
  const log = pino(logOptions('info'), new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  return { log, text: () => lines.join('') };
}

describe('logs keep citizens out', () => {
  test("a failed statement's parameters (an order's name and phone) are not logged; its code and message are", () => {
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const err = new QueryFailedError('INSERT INTO work_orders (citizen_name, citizen_phone) VALUES ($1, $2)', ['欧阳秘密', '13998765432'], driverError);
    const { log, text } = capture();
    log.error({ err }, 'request failed');
    expect(text()).not.toContain('13998765432');
    expect(text()).not.toContain('欧阳秘密');
    expect(JSON.parse(text()).err).toMatchObject({ type: 'QueryFailedError', code: '22021', message: 'invalid byte sequence for encoding "…": 0x00' });
  });

  test('quoted values in a database message are left out; other errors keep their message', () => {
    const pg = Object.assign(new Error('invalid input syntax for type uuid: "13998765432"'), { code: '22P02' });
    expect(safeError(pg).message).toBe('invalid input syntax for type uuid: "…"');
    expect(String(safeError(pg).stack)).not.toContain('13998765432');
    expect(safeError(new Error('the queue is "down"')).message).toBe('the queue is "down"');
  });

  test('fields named for a citizen are removed wherever they are logged', () => {
    const { log, text } = capture();
    log.info({ order: { id: 'x', citizen: { name: '张三', phone: '13800000000' }, citizenPhone: '13800000000' } }, 'intake');
    expect(text()).not.toContain('13800000000');
    expect(text()).not.toContain('张三');
    expect(JSON.parse(text()).order.id).toBe('x');
  });
});
