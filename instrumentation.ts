export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { bootServer } = await import('./lib/server/boot');
    await bootServer();
  }
}
