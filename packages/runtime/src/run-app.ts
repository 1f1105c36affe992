import { EnvError } from './env.ts';
import { createLogger, type Logger } from './logger.ts';
import { collectProcessMetrics, startMetricsServer, type MetricsServer } from './metrics.ts';
import { stopTracing } from './telemetry/tracing.ts';

/** An app once started: listening, polling, or whatever it does until told to stop. */
export interface RunningApp {
  /** Stops taking new work, lets work in flight finish, then releases connections. Called once. */
  close(): Promise<void>;
  /**
   * Settles if the app stops by itself (a Temporal worker whose polling fails, say). Any
   * settling that was not asked for by a signal is a failure: logged `fatal`, exit 1.
   */
  finished?: Promise<unknown>;
}

/** What runApp itself reads of every app's configuration (see `logLevel` and `metricsVariables`). */
export interface AppEnv { LOG_LEVEL: string; METRICS_PORT: number }

export interface AppDefinition<E extends AppEnv> {
  /** The `service` field of every log line. */
  name: string;
  /** Reads and validates the environment; an `EnvError` names each bad variable. */
  readEnv: () => E;
  /** Builds the app from its configuration and starts it. */
  start: (env: E, logger: Logger) => Promise<RunningApp>;
  /** How long a drain may take before the process gives up on it; default 30 s. */
  drainTimeoutMs?: number;
}

/**
 * The one way every app's process runs: read and validate the environment, start the app, and
 * on SIGTERM or SIGINT drain it and exit 0. Every app serves its metrics (process defaults and
 * whatever it records) at `/metrics` on `METRICS_PORT`, from before it starts until it has drained. Anything that goes wrong on the way (a bad variable,
 * a port in use, a crash, a drain that fails or hangs) is one `fatal` JSON line and exit 1, so an
 * orchestrator sees the same thing from every app.
 */
export function runApp<E extends AppEnv>(app: AppDefinition<E>): void {
  // Until the environment names a level, lines go out at `info`, so a refusal is never silent.
  let logger = createLogger(app.name);
  let stopping = false;
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    process.exit(code);
  };
  const fail = (message: string, error: unknown) => {
    if (exiting) return;
    // A configuration problem is said in the message itself: the operator has a variable to fix.
    const problems = error instanceof EnvError ? `: ${error.problems.join('; ')}` : '';
    logger.fatal(failureFields(error), `${app.name} ${message}${problems}`);
    exit(1);
  };
  process.on('uncaughtException', (error) => fail('crashed', error));
  process.on('unhandledRejection', (error) => fail('crashed', error));

  let env: E;
  try {
    env = app.readEnv();
  } catch (error) {
    fail('refused its configuration', error);
    return;
  }
  logger = createLogger(app.name, env.LOG_LEVEL);

  // The metrics port is taken first, so one in use fails the start like the API's own port would.
  collectProcessMetrics();
  let metrics: MetricsServer | undefined;
  const appLogger = logger;
  const started = startMetricsServer({ port: env.METRICS_PORT, logger }).then((server) => {
    metrics = server;
    return app.start(env, appLogger);
  });
  started.then(
    (running) => {
      logger.info(`${app.name} started`);
      running.finished?.then(
        () => {
          if (!stopping) fail('stopped by itself', new Error('the app finished without being asked to stop'));
        },
        (error: unknown) => {
          if (!stopping) fail('failed', error);
        },
      );
    },
    (error: unknown) => fail('failed to start', error),
  );

  const drain = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, `${app.name} is already draining`);
      return;
    }
    stopping = true;
    logger.info({ signal }, `${app.name} draining`);
    const timeoutMs = app.drainTimeoutMs ?? 30_000;
    setTimeout(() => fail('failed to stop', new Error(`draining took longer than ${timeoutMs} ms`)), timeoutMs);
    // A signal during start-up waits for the start to finish (or fail) and then drains.
    started
      .then((running) => running.close())
      .then(() => metrics?.close())
      // Last, so the spans of the work that drained are sent too.
      .then(() => stopTracing())
      .then(
        () => {
          logger.info(`${app.name} stopped`);
          exit(0);
        },
        (error: unknown) => fail('failed to stop', error),
      );
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}

function failureFields(error: unknown): Record<string, unknown> {
  if (error instanceof EnvError) return { problems: error.problems };
  return { err: error };
}
