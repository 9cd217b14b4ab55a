/**
 * GET /api/fs?path=<absolute folder>: the folder picker's lazy listing. Without `path`, the allowed roots;
 * with it, that folder's entries, only when it resolves (realpath) inside a root.
 */
import { withUser } from '@/lib/actions/safe-action';
import { getConfig } from '@/lib/config';
import { AppError } from '@/lib/errors';
import { listFolder, PathRefusedError, realRoots } from '@/lib/fs-roots';

export const dynamic = 'force-dynamic';

export const GET = withUser(async (request) => {
  const roots = getConfig().COFFER_BACKUP_ROOTS;
  const wanted = new URL(request.url).searchParams.get('path');
  if (!wanted) {
    const real = await realRoots(roots);
    return Response.json({ path: null, entries: real.map((r) => ({ name: r, path: r, type: 'dir' })), truncated: false }, { headers: { 'cache-control': 'no-store' } });
  }
  try {
    return Response.json(await listFolder(wanted, roots), { headers: { 'cache-control': 'no-store' } });
  } catch (err) {
    if (err instanceof PathRefusedError) throw new AppError(err.reason === 'outside' ? 'forbidden' : 'invalid', err.message);
    throw err;
  }
});
