import { RateProviderUnavailableError } from './port.ts';

export interface FetchTextOptions {
  /** Names the provider in every error message. */
  provider: string;
  /** The whole exchange (connect, headers and body) must finish within this. */
  timeoutMs: number;
  /**
   * The URL as it may appear in logs and errors: without secrets such as the app id. The real
   * URL never leaves this function.
   */
  shownUrl: string;
}

export interface FetchedText {
  status: number;
  text: string;
}

/**
 * GET a URL and read its body as text within a deadline. A network error or a timeout becomes a
 * RateProviderUnavailableError naming the provider and the shown URL; the status is returned so
 * each provider can read its own error payloads.
 */
export async function fetchText(url: string, options: FetchTextOptions): Promise<FetchedText> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, { signal, headers: { accept: 'application/json, application/xml, text/xml' } });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${options.timeoutMs} ms` : describeNetworkError(error);
    throw new RateProviderUnavailableError(`${options.provider}: ${reason} from ${options.shownUrl}`);
  }
}

function describeNetworkError(error: unknown): string {
  // fetch wraps the socket error ("fetch failed"); its cause says what really happened.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error as Error).message;
  return `request failed (${detail})`;
}
