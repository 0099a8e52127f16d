/** A refusal or failure of the Varde API, with the words the API gave (problem details or OperationOutcome). */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the platform could not be reached at all. */
    readonly status: number,
    message: string,
    /** Fields the API named as wrong, with what it expected. */
    readonly fields: ReadonlyArray<Readonly<{ field: string; message: string }>> = [],
  ) {
    super(message);
  }
}

type Problem = { detail?: string; title?: string; errors?: Array<{ field: string; message: string }>; issue?: Array<{ diagnostics?: string; expression?: string[] }> };

/** Calls the API as the signed-in user; `onUnauthorized` runs (sign in again) when the token is refused or gone. */
export type Api = <T>(path: string, init?: RequestInit & { json?: unknown }) => Promise<T>;

/** An {@link Api} that sends `token()` as the bearer token and turns every failure into an {@link ApiError}. */
export function createApi(token: () => string | undefined, onUnauthorized: () => void): Api {
  return async <T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    const bearer = token();
    if (bearer) headers.set('authorization', `Bearer ${bearer}`);
    if (json !== undefined) headers.set('content-type', path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json');
    let response: Response;
    try {
      response = await fetch(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    } catch {
      throw new ApiError(0, 'network');
    }
    if (response.status === 401) {
      onUnauthorized();
      throw new ApiError(401, 'unauthorized');
    }
    const text = await response.text();
    const body: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const problem = (body ?? {}) as Problem;
      const fields = problem.errors ?? (problem.issue ?? []).flatMap((i) => (i.expression?.[0] && i.diagnostics ? [{ field: i.expression[0], message: i.diagnostics }] : []));
      const message = problem.detail ?? problem.issue?.map((i) => i.diagnostics).filter(Boolean).join('; ') ?? problem.title ?? response.statusText;
      throw new ApiError(response.status, message, fields);
    }
    return body as T;
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Listens to a server-sent events stream with the bearer token (EventSource cannot send one) and calls `onEvent` with
 * each event's name; reconnects after a pause when the stream ends or fails. Returns a function that stops it.
 */
export function listenToEvents(path: string, token: () => string | undefined, onEvent: (name: string) => void): () => void {
  const controller = new AbortController();
  const connect = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const bearer = token();
        const response = await fetch(path, { headers: { accept: 'text/event-stream', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        onEvent('open');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
            onEvent(name);
          }
        }
      } catch {
        // reconnect below
      }
      if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void connect();
  return () => controller.abort();
}
