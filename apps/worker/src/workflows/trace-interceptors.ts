// The workflow side of tracing, bundled with the workflows (see ../tracing.ts): Temporal's
// OpenTelemetry workflow interceptors, less the two that would break replay. Inside a workflow,
// every new span id is drawn from the workflow's seeded random numbers, the same sequence
// `uuid4()` drew line item ids from (bills started before `bill-line-item-ids-from-keys` still do).
// Update validators do not run when a workflow is replayed, and queries are not part of its
// history, so a span made by either would consume numbers in the first run that its replay does
// not: after a worker restart such a replayed bill would hand out different ids than the ones
// already stored. Those two are left untraced.
import {
  OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { Next, QueryInput, UpdateInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';

class ReplaySafeInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    next(input);
  }

  override handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new ReplaySafeInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
