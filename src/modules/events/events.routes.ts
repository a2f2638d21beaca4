import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Actor } from '../auth/actor';
import { problems } from '../../plugins/problem';
import { ROLES } from '../auth/principal.entity';
import type { EventFeed, LiveEvent } from './event-feed';

/** A comment line every this many ms keeps proxies and the browser from closing a quiet stream. */
const HEARTBEAT_MS = 20_000;
/** A browser that cannot keep up (this many bytes waiting) is cut off; it reconnects and catches up from the database. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** At most this many missed events are replayed on reconnection, oldest first. */
const MAX_REPLAY = 10_000;

/** A unit sees the events of orders it has held; the centre, commanders and administrators see all. */
const maySee = (actor: Actor, event: LiveEvent) => actor.role !== 'unit' || (actor.unitId !== null && event.holderUnitIds.includes(actor.unitId));

const frame = (e: LiveEvent) =>
  `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify({ orderId: e.orderId, externalNo: e.externalNo, kind: e.kind, at: e.at, unitCode: e.unitCode })}\n\n`;

export const eventRoutes: FastifyPluginAsyncTypebox<{ feed: EventFeed }> = async (app, { feed }) => {
  // For an alert: streams open on a process whose feed the database does not wake (a LISTEN
  // connection lost and not yet back) show their changes only at the feed's poll.
  new app.metrics.client.Gauge({
    name: 'hotline_event_streams',
    help: 'Live event streams (GET /api/v1/events) open on this process',
    collect() {
      this.set(feed.streams);
    },
  });
  new app.metrics.client.Gauge({
    name: 'hotline_event_feed_listening',
    help: 'Whether the database wakes this process\'s change feed as events commit (1), or its streams get changes only at the 5-second poll (0: before the first stream, or while a lost LISTEN connection is tried again)',
    collect() {
      this.set(feed.listening ? 1 : 0);
    },
  });
  app.get('/api/v1/events', {
    config: { access: ROLES, rateLimit: false },
    schema: {
      tags: ['work-orders'],
      summary: 'Live work-order events (Server-Sent Events)',
      description:
        'A `text/event-stream` of the work-order events the caller may see (a unit: its own orders only), whichever API process took them: ' +
        '`id:` the event id (increasing), `event:` its kind (order.received, order.dispatched, order.signed, order.returned, order.replied, order.closed, extension.requested, ...), ' +
        '`data:` `{orderId, externalNo, kind, at, unitCode}`, never citizen data. A comment line every 20 s keeps it open. ' +
        'A browser that reconnects with `Last-Event-ID` (or `?lastEventId=`) first gets the events it missed, from the database.',
      querystring: Type.Object({ lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })) }, { additionalProperties: false }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })) }),
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'text/event-stream' }), ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const actor = request.actor;
      const since = request.headers['last-event-id'] ?? request.query.lastEventId;
      await feed.start();
      reply.hijack();
      const raw = reply.raw;
      let closed = false;
      let lastSent = since ? BigInt(since) : 0n;
      const pending: LiveEvent[] = [];
      let replaying = true;
      const send = (e: LiveEvent) => {
        if (closed || BigInt(e.id) <= lastSent || !maySee(actor, e)) return;
        lastSent = BigInt(e.id);
        raw.write(frame(e));
        if (raw.writableLength > MAX_BUFFERED_BYTES) end();
      };
      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        subscription.unsubscribe();
        raw.end();
      };
      const subscription = feed.subscribe((e) => (replaying ? pending.push(e) : send(e)), end);
      // Subscribed before the first byte: a client that has read the head misses nothing after it.
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 3000\n: connected\n\n');
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      raw.on('close', end);
      try {
        if (since) {
          let after = since;
          for (let total = 0; total < MAX_REPLAY && !closed; ) {
            const page = await feed.replay(after, subscription.horizon);
            for (const e of page) send(e);
            total += page.length;
            if (page.length === 0) break;
            after = page[page.length - 1].id;
          }
        }
      } catch (err) {
        request.log.warn({ err }, 'event catch-up failed');
        end();
      }
      replaying = false;
      for (const e of pending.splice(0)) send(e);
    },
  });
};

