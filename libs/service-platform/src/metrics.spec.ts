import perfHooks from 'node:perf_hooks';
import { EVENT_LOOP_MONITORING_MS, ServiceMetrics } from './metrics';

describe('ServiceMetrics', () => {
  it("samples the event loop's delay every 100 ms, not prom-client's 10 ms, and still reports it", async () => {
    const monitor = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
    const metrics = new ServiceMetrics({ service: 'telemetry' } as never);
    expect(EVENT_LOOP_MONITORING_MS).toBe(100);
    expect(monitor).toHaveBeenCalledWith({ resolution: 100 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^datawell_nodejs_eventloop_lag_p99_seconds\{service="telemetry"\} /m);
    metrics.registry.clear();
    monitor.mockRestore();
  });
});
