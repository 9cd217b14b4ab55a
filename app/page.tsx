import Link from 'next/link';
import { SiteFooter } from '@/components/layout/site-footer';
import { SiteHeader } from '@/components/layout/site-header';

const FEATURES = [
  { title: 'Deduplicated', text: 'Content-defined chunking stores each piece of data once, so daily backups add only what changed.' },
  { title: 'Encrypted', text: 'AES-256-GCM with a key only your passphrase unlocks. Every byte is verified before it is restored.' },
  { title: 'Compressed', text: 'Text and documents shrink; photos and archives that will not compress are stored as they are.' },
  { title: 'Restored your way', text: 'Everything or single files, in place, to another folder, or as a .zip or .tar.gz download.' },
];

export default function WelcomePage() {
  return (
    <>
      <SiteHeader
        actions={
          <>
            <Link className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" href="/login">
              Sign in
            </Link>
            <Link className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700" href="/register">
              Create account
            </Link>
          </>
        }
      />
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-12 sm:py-20">
        <h1 className="text-4xl font-bold tracking-tight sm:text-5xl">Coffer</h1>
        <p className="mt-4 max-w-2xl text-lg text-slate-600 dark:text-slate-300">
          Self-hosted backup and restore for the files on this server and on your computer: pick folders or drop
          files, back them up compressed and encrypted into a deduplicating repository, and get them back in a few
          clicks — on demand with live progress, or on a schedule.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <Link className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700" href="/login">
            Sign in
          </Link>
          <Link className="rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900" href="/register">
            Create account
          </Link>
        </div>
        <ul className="mt-14 grid gap-6 sm:grid-cols-2 lg:grid-cols-4">
          {FEATURES.map((f) => (
            <li key={f.title} className="rounded-lg border border-slate-200 p-5 dark:border-slate-800">
              <h2 className="font-semibold">{f.title}</h2>
              <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{f.text}</p>
            </li>
          ))}
        </ul>
      </main>
      <SiteFooter />
    </>
  );
}
