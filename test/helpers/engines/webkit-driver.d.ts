// Types of webkit-driver.js (plain JavaScript: web-test-runner.config.js loads it as it is).
export declare const WEBKIT_DRIVER_PATH: string;
export declare const MINIBROWSER_PATH: string;
export declare const XVFB_PATH: string;
export declare const MINIBROWSER_CAPABILITIES: { browserName: string; 'webkitgtk:browserOptions': { binary: string; args: string[] } };
export declare function startXvfb(): Promise<{ display: string; close(): Promise<void> }>;
export declare function startWebKitDriver(display: string): Promise<{ port: number; close(): Promise<void> }>;
