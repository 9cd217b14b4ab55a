/** Class names shared by buttons, links that look like buttons, and form controls. */
export const buttonPrimary = 'inline-flex items-center justify-center rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60';
export const buttonSecondary =
  'inline-flex items-center justify-center rounded-md border border-slate-300 px-4 py-2 font-medium hover:bg-slate-50 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-900';
export const buttonDanger =
  'inline-flex items-center justify-center rounded-md border border-red-300 px-4 py-2 font-medium text-red-700 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950';
export const inputClass =
  'w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base outline-none focus:border-brand-600 focus:ring-2 focus:ring-brand-600/30 aria-invalid:border-red-600 dark:border-slate-700 dark:bg-slate-900';
export const cardClass = 'rounded-lg border border-slate-200 p-4 sm:p-5 dark:border-slate-800';
export const linkClass = 'text-brand-700 underline-offset-2 hover:underline dark:text-brand-500';
