/** Formatting shared by pages and client components: sizes, durations, rates and times for people. */

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 75_000 ms → "1 min 15 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A date and time in the viewer's locale, fixed to UTC on the server so both renders agree. */
export function formatTime(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** A whole percentage from done/total, or null when the total is unknown. */
export function percent(done: number | null | undefined, total: number | null | undefined): number | null {
  if (!total || total <= 0 || done === null || done === undefined) return null;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
