import { getDatabase } from '@/lib/db';
import { VERSION } from '@/lib/version';

export const dynamic = 'force-dynamic';

/** GET /api/health: 200 when the database answers, 503 naming what is down. Public, reveals no data. */
export async function GET(): Promise<Response> {
  try {
    const database = await getDatabase();
    await Promise.race([
      database.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000).unref()),
    ]);
    return Response.json({ status: 'ok', db: 'ok', version: VERSION }, { headers: { 'cache-control': 'no-store' } });
  } catch {
    return Response.json(
      { status: 'error', db: 'down', version: VERSION },
      { status: 503, headers: { 'cache-control': 'no-store' } },
    );
  }
}
