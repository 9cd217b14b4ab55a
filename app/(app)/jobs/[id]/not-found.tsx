import Link from 'next/link';

/** Shown for a job that does not exist or belongs to someone else (the same answer for both). */
export default function JobNotFound() {
  return (
    <section className="flex flex-col gap-3">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p>This job does not exist.</p>
      <Link href="/dashboard" className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-500">
        Back to the dashboard
      </Link>
    </section>
  );
}
