import Fastify from 'fastify';
import { Pool } from 'pg';

/**
 * The floor of bench:intake: a bare fastify route that inserts the posted order into
 * bench_plain_orders with one statement through pg, nothing else (no token, no schema, no
 * event, no queue). Started by bench/intake.ts as its own process, like the service.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 20) });
const app = Fastify({ logger: false });

app.post('/orders', async (request, reply) => {
  const b = request.body as { externalNo: string; source: string; receivedAt: string; requestType: string; urgency: string; citizen: { name: string; phone: string }; confidential: boolean; content: string; address: string; category: string };
  const { rows } = await pool.query(
    `INSERT INTO bench_plain_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone, confidential, content, address, category)
     VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [b.source, b.externalNo, b.receivedAt, b.requestType, b.urgency, b.citizen.name, b.citizen.phone, b.confidential, b.content, b.address, b.category],
  );
  return reply.code(201).send(rows[0]);
});

app.get('/ready', async () => ({ ok: true }));

app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) }).catch((err: unknown) => {
  process.stderr.write(`bare route failed: ${String(err)}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
