import { VERSION } from '@/lib/version';

export function SiteFooter() {
  return (
    <footer className="border-t border-slate-200 text-sm text-slate-500 dark:border-slate-800 dark:text-slate-400">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-4">
        <span>Coffer {VERSION} — self-hosted, encrypted, deduplicating backups.</span>
        <a className="underline-offset-2 hover:underline" href="/api/health">
          Server status
        </a>
      </div>
    </footer>
  );
}
