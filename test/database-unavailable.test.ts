import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from '../src/db/unavailable';

/** Which failures are a database outage (503, retried jobs) and which are not (4xx, 500). */
describe('telling a database outage from other failures', () => {
  const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

  test.each([
    ['admin shutdown (57P01)', wrapped(pg('57P01', 'terminating connection due to administrator command'))],
    ['crash shutdown (57P02)', pg('57P02')],
    ['cannot connect now (57P03)', pg('57P03', 'the database system is starting up')],
    ['connection failure (08006)', pg('08006')],
    ['too many connections (53300)', pg('53300')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['refused on every address', new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })])],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['query runner released under a transaction', new QueryRunnerAlreadyReleasedError()],
    // The next statement of a transaction whose connection the server ended (seen under pg_terminate_backend).
    ['transaction statement after its connection was lost', new QueryRunnerProviderAlreadyReleasedError()],
    ['an outage as the cause of another error', new Error('rollback failed', { cause: pg('57P01') })],
  ])('%s is an outage', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test.each([
    ['a unique key taken (23505)', wrapped(pg('23505'))],
    ['a value out of range (22008)', wrapped(pg('22008'))],
    ['a syntax error (42601)', pg('42601')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['nothing', undefined],
  ])('%s is not', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
