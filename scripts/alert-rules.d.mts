export declare const ALERTS_FILE: string;
export declare function readAlertRules(text?: string): Array<{ name: string; expr: string }>;
