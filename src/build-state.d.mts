export declare const packageRoot: string;
export declare const distDir: string;
export declare function buildState(): 'fresh' | 'stale' | 'missing';
export declare function writeStamp(startedAt: number): void;
