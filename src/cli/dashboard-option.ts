/**
 * `--ui PORT` / `--ui-host HOST` of `weft demo` and `weft run`: opens the live view and `/metrics`
 * (src/web) before the graph starts, prints where, and closes it when the command ends. A port
 * already taken fails the command before any thread starts (`ERR_WEFT_UI_LISTEN`, exit 1).
 *
 * Threading: main thread of the CLI process. Lifecycle: the server lives as long as the command's
 * run; the page then keeps its last figures and says `disconnected`.
 */
import type { AppFigures, LiveSourceRef } from '../telemetry/live-reading.js';
import type { DashboardServer } from '../web/dashboard-server.js';

/** Where to serve the view, as parsed from the flags. */
export interface UiFlags {
  readonly port: number;
  readonly host: string;
}

/**
 * Serves the view of `source` when `ui` is given (else resolves undefined and loads nothing), and
 * writes its address on stderr.
 */
export async function openDashboard(
  ui: UiFlags | undefined,
  source: LiveSourceRef,
  title: string,
  figures?: () => AppFigures | undefined,
): Promise<DashboardServer | undefined> {
  if (ui === undefined) return undefined;
  const { serveDashboard } = await import('../web/dashboard-server.js');
  const server = await serveDashboard(source, {
    port: ui.port,
    host: ui.host,
    title,
    ...(figures ? { figures } : {}),
  });
  process.stderr.write(`weft: live view at ${server.url} (Prometheus metrics at ${server.metricsUrl})\n`);
  return server;
}

/** The `--ui` flags of a parsed command, or undefined when `--ui` is absent. */
export function uiFlags(o: { readonly ui?: unknown; readonly uiHost?: unknown }): UiFlags | undefined {
  if (typeof o.ui !== 'number') return undefined;
  return { port: o.ui, host: typeof o.uiHost === 'string' ? o.uiHost : '127.0.0.1' };
}
