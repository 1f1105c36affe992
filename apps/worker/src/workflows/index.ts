// The workflow bundle's entry point: every workflow type this worker runs.
export { billWorkflow, billWorkflowV2, billWorkflowV3 } from './bill.ts';
export { mandateWorkflow } from './mandate.ts';
