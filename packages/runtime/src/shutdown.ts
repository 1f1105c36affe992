/**
 * Runs `stop` once on SIGINT or SIGTERM and then exits, so a container stop or Ctrl-C drains
 * servers and closes pools instead of cutting connections.
 */
export function onShutdown(stop: () => Promise<void>, log: (message: string) => void = () => {}): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`received ${signal}, shutting down`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
