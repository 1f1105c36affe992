// The workflow bundle's entry point: every workflow type this worker runs.
export { billWorkflow } from './bill.ts';
export { mandateWorkflow } from './mandate.ts';
